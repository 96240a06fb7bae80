"""A real SMTP server for shopchat's tests (aiosmtpd), run by /usr/bin/python3.

Listens on 127.0.0.1 on a free port, prints the port on stdout once it accepts, and writes
each accepted message (as received, with a Received-less body) to DIR/NNNN.eml, written to a
temporary name first and renamed, so a reader never sees half a file.

Options:
  --dir DIR              where messages go (required)
  --user U --password P  require AUTH PLAIN/LOGIN with these credentials
  --cert C --key K       offer STARTTLS with this certificate and require it
  --fail-first N         answer 451 (temporary) to the first N messages' DATA
  --reject ADDR          answer 550 (permanent) to RCPT TO this address
"""

import argparse
import asyncio
import os
import socket
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Handler:
    def __init__(self, args):
        self.args = args
        self.datas = 0
        self.saved = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.args.reject and address.lower() == self.args.reject.lower():
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.datas += 1
        if self.datas <= self.args.fail_first:
            return "451 4.3.0 try again later"
        self.saved += 1
        name = os.path.join(self.args.dir, "%04d.eml" % self.saved)
        with open(name + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(name + ".tmp", name)
        return "250 2.0.0 accepted as %04d" % self.saved


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--reject")
    args = p.parse_args()

    kwargs = {}
    if args.user:
        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login.decode() == args.user
                and auth_data.password.decode() == args.password
            )
            return AuthResult(success=ok)

        kwargs.update(authenticator=authenticator, auth_required=True)
    if args.cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.cert, args.key)
        kwargs.update(tls_context=ctx, require_starttls=True)
    else:
        kwargs.update(auth_require_tls=False)

    port = free_port()
    controller = Controller(
        Handler(args), hostname="127.0.0.1", port=port, decode_data=False, **kwargs
    )
    controller.start()
    print(port, flush=True)
    try:
        sys.stdin.read()  # runs until the test closes our stdin (or kills us)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
