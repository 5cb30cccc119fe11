from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context

# allauth's own limiter: its usages can be rolled back after a correct password, as
# allauth does for the limits it applies itself (the public wrapper returns a bool).
from allauth.core.internal import ratelimit
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from huntzen.links import absolute_url, on_site, public_site
from huntzen.outbox.services import message_queue

ACCOUNT_LIMIT_ACTION = "login_failed_account"

# The links allauth puts in its emails' context (confirmation, password reset, the
# "no account with this address" message).
EMAIL_LINK_KEYS = ("activate_url", "password_reset_url", "signup_url")


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # allauth's French ("et/ou … que vous avez spécifiés sont incorrects") is clumsy.
        "email_password_mismatch": _("L’adresse e-mail ou le mot de passe est incorrect."),
    }

    def is_open_for_signup(self, request):
        """No open sign-up: accounts come from invitations, whose role and company
        are fixed by the server (the sketch let a client choose its own role)."""
        return False

    def get_login_redirect_url(self, request):
        return reverse("home")

    # --- Links in allauth's emails --------------------------------------------------
    # allauth builds them from the request (its Host header is the client's to choose):
    # every link that leaves by email is on HUNTZEN_SITE_URL instead (huntzen.links).

    def get_reset_password_from_key_url(self, key: str) -> str:
        return on_site(super().get_reset_password_from_key_url(key))

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return on_site(super().get_email_confirmation_url(request, emailconfirmation))

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's own rendering (DefaultAccountAdapter.send_mail), queued in the outbox
        like every email of ours instead of sent inside the request."""
        links = {key: on_site(context[key]) for key in EMAIL_LINK_KEYS if context.get(key)}
        message = self.render_mail(
            template_prefix,
            email,
            {
                "request": allauth_context.request,
                "email": email,
                **context,
                **links,
                "login_url": absolute_url(reverse("account_login")),
                "current_site": public_site(),
            },
        )
        message_queue(message=message, kind=template_prefix)

    # --- Failed sign-in limits --------------------------------------------------------
    # allauth counts failures per client address ("10/m/ip") and per "key", which is the
    # account by default: anyone who knows an email could then lock its owner out. Here
    # the blocking "key" limit counts per account AND address, and the account-wide
    # limit (ACCOUNT_RATE_LIMITS["login_failed_account"]) has a short window: it slows
    # guessing from many addresses down without locking the owner out for longer than
    # that window.

    def _account_key(self, request, **credentials) -> str:
        return super()._get_login_attempts_cache_key(request, **credentials)

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """allauth's "key" for login_failed: this account from this client address."""
        account = self._account_key(request, **credentials)
        return f"{account}|{self.get_client_ip(request)}"

    def pre_authenticate(self, request, **credentials) -> None:
        super().pre_authenticate(request, **credentials)
        account_usage = ratelimit.consume(
            request,
            app="allauth.account",
            action=ACCOUNT_LIMIT_ACTION,
            key=self._account_key(request, **credentials),
        )
        if not account_usage:
            self._rollback_login_failed_rl_usage()
            raise self.validation_error("too_many_login_attempts")
        # A correct password rolls both back (DefaultAccountAdapter.authenticate).
        self._login_failed_rl_usage = ratelimit.RateLimitUsage(
            usage=[*self._login_failed_rl_usage.usage, *account_usage.usage]
        )

    def _delete_login_attempts_cached_email(self, request, **credentials) -> None:
        """After a password reset, the account-wide count is wiped with the rest."""
        super()._delete_login_attempts_cached_email(request, **credentials)
        ratelimit.clear(
            request,
            app="allauth.account",
            action=ACCOUNT_LIMIT_ACTION,
            key=self._account_key(request, **credentials),
        )
