// Joins the consultation's Jitsi room through the external API loaded from
// JITSI_DOMAIN (the only third-party origin this page's CSP allows).
(function () {
  "use strict";
  var node = document.getElementById("jitsi-room");
  if (!node || typeof window.JitsiMeetExternalAPI !== "function") {
    return;
  }
  var data = node.dataset;
  var fallback = document.getElementById("jitsi-fallback");
  if (fallback) {
    fallback.remove();
  }
  var options = {
    roomName: data.room,
    parentNode: node,
    width: "100%",
    height: "100%",
    lang: data.lang,
    userInfo: { displayName: data.name },
    configOverwrite: {
      prejoinPageEnabled: true,
      disableDeepLinking: true,
      enableWelcomePage: false
    },
    interfaceConfigOverwrite: { SHOW_JITSI_WATERMARK: false }
  };
  if (data.jwt) {
    options.jwt = data.jwt;
  }
  var api = new window.JitsiMeetExternalAPI(data.domain, options);
  api.addListener("readyToClose", function () {
    window.location.assign(data.leaveUrl);
  });
})();
