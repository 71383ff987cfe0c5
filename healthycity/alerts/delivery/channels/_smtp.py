"""SMTP transactions pipelined on one kept-open ``smtplib`` connection (RFC 2920).

``smtplib.SMTP.sendmail`` waits for the reply to MAIL, to RCPT, to DATA and to the
message: four round trips per message, and in Python each one is a system call and a
thread switch. A server that announces PIPELINING takes a group of commands in one
write; DATA must end a group, and the content of a message may start the next one
(RFC 2920 §3.1). So message *k*'s content travels in the same write as the envelope of
message *k + 1*: one round trip per message.

A transaction refused before its content (by MAIL, RCPT or DATA) is cleared with RSET at
the head of the next group (RFC 5321 §4.1.1.5), so the next MAIL is not "nested".
"""

import smtplib
from collections.abc import Iterator, Sequence

Reply = tuple[int, bytes]  # SMTP reply code and text
_START_DATA = 354  # RFC 5321 §4.2.2: "Start mail input"
_RSET = b"RSET\r\n"
_END_OF_DATA = b".\r\n"


def is_positive(code: int) -> bool:
    """Whether an SMTP reply code is a positive completion (2yz, RFC 5321 §4.2.1).

    >>> is_positive(250), is_positive(451), is_positive(-1)
    (True, False, False)
    """
    return 200 <= code < 300


def _first_refusal(mail: Reply, rcpt: Reply, data: Reply) -> Reply | None:
    for reply in (mail, rcpt):
        if not is_positive(reply[0]):
            return reply
    return None if data[0] == _START_DATA else data


def send_pipelined(
    client: smtplib.SMTP, sender: str, messages: Sequence[tuple[str, bytes]]
) -> Iterator[Reply]:
    """Send ``(recipient, message)`` pairs; yield one reply per message, in order.

    Each reply is the server's answer to the message's content (250 when accepted) or the
    first refusal of its envelope. ``message`` must be ready to send: CRLF line ends, a
    final CRLF, no line starting with a dot. The addresses must be ASCII.

    Raises
    ------
    smtplib.SMTPException, OSError
        When the connection fails; the messages whose reply was not yielded yet may or
        may not have been accepted.
    """
    mail_from = f"MAIL FROM:<{sender}>\r\n".encode("ascii")
    head = b""  # what starts the next group: a content to finish, or a RSET
    held: Reply | None = None  # a refusal to report once the server has closed the content
    for recipient, message in messages:
        rcpt_to = f"RCPT TO:<{recipient}>\r\n".encode("ascii")
        client.send(b"".join((head, mail_from, rcpt_to, b"DATA\r\n")))
        if head is _RSET:
            client.getreply()
        elif head:
            closed = client.getreply()
            yield held or closed
        mail, rcpt, data = client.getreply(), client.getreply(), client.getreply()
        held = _first_refusal(mail, rcpt, data)
        if data[0] == _START_DATA:
            # A server that started DATA without a recipient gets an empty message ended.
            head = message + _END_OF_DATA if held is None else _END_OF_DATA
        else:
            head = _RSET
            yield held or data
            held = None
    if head is _RSET:
        client.send(_RSET)
        client.getreply()
    elif head:
        client.send(head)
        closed = client.getreply()
        yield held or closed
