"""allauth's JWT strategy, plus revocation of a session whose rotated refresh token
is presented again (ASVS 5.0 10.4.5): a reused refresh token means it was stolen."""

import logging

from allauth.headless.tokens.strategies.jwt import JWTTokenStrategy, internal

from accounts.session_end import session_ended

logger = logging.getLogger(__name__)


class RevokingJWTTokenStrategy(JWTTokenStrategy):
    def refresh_token(self, refresh_token: str):
        payload = internal.decode_token(refresh_token, "refresh")
        if payload is not None:
            session = internal.get_token_session(payload)
            if session is not None:
                known = internal.get_refresh_token_state(session)
                if payload["jti"] not in known:
                    # Signed by us, for a live session, but already rotated away.
                    logger.warning(
                        "Reused refresh token of user %s: revoking its session.", payload["sub"]
                    )
                    session_ended(session.session_key)
                    session.flush()
                    return None
        return super().refresh_token(refresh_token)
