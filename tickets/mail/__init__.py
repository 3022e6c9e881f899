"""Mail for tickets, in and out, and what makes what arrives safe.

- inbound.py: RFC 822 bytes → ParsedEmail (threading headers, body, files, attached
  e-mails, report parts) and which ticket an email answers; the write (`email_ingest`) is a
  service. Below it: mime.py (walking broken MIME), decode.py (charsets, encoded words,
  addresses, HTML → text), classify.py (mail, auto-reply, bounce, receipt, abuse report,
  spam), quotes.py (quoted history folded), reply_to.py (signed Reply-To addresses).
- outbound.py: the e-mails we send requesters (replies, confirmations, reminders, surveys).
- survey_links.py: the signed one-click CSAT links those e-mails carry.
- sanitize.py: every message body becomes safe HTML or clean text here, whatever the channel.
- attachments.py: checking and re-encoding files (size, name, sniffed type, previews).

Nothing here writes tickets: services call this package, never the reverse.
"""
