"""A real SMTP server for the email notifier tests (python3-aiosmtpd).

Listens on 127.0.0.1:PORT, requires STARTTLS (with the test CA's certificate) before MAIL and AUTH,
accepts AUTH PLAIN/LOGIN for one user, and writes each received message as one JSON line to stdout.
Prints "READY" once it accepts connections.

usage: smtp-server.py PORT CERT KEY USER PASSWORD
"""
import asyncio
import json
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    async def handle_DATA(self, server, session, envelope):
        print(json.dumps({
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "auth": session.authenticated,
            "data": envelope.content.decode("utf8", "replace"),
        }), flush=True)
        return "250 Message accepted for delivery"


def main():
    port, cert, key, user, password = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False)

    controller = Controller(
        Handler(),
        hostname="127.0.0.1",
        port=int(port),
        tls_context=context,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=False,
        auth_require_tls=True,
    )
    controller.start()
    print("READY", flush=True)
    try:
        asyncio.get_event_loop().run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
