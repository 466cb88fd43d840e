//! Every reply the SMTP/LMTP server sends, by name. Nothing else lives here: the session code says
//! *which* reply to send, this module says what the bytes are, so the wording, the reply code and the
//! enhanced status code (RFC 3463) of each reply can be read and reviewed on one screen.
//!
//! Constants end in CRLF and are written to the wire as they are. Replies that carry a value (host
//! name, size, queue id) are functions. Per RFC 2034 §3 the greeting and the replies to
//! EHLO/HELO/LHLO carry no enhanced status code; every other reply does.

/// The greeting for an SMTP listener (RFC 5321 §4.2, 220 with the server's name first).
pub fn greeting_smtp(hostname: &str) -> String {
    format!("220 {hostname} ESMTP wgmail\r\n")
}

/// The greeting for an LMTP listener (RFC 2033 §4.1).
pub fn greeting_lmtp(hostname: &str) -> String {
    format!("220 {hostname} LMTP wgmail\r\n")
}

/// The reply to HELO: no extensions, so the one line.
pub fn helo(hostname: &str) -> String {
    format!("250 {hostname}\r\n")
}

/// The reply to EHLO or LHLO: the extensions this server offers, one per line. CHUNKING (BDAT) is
/// deliberately absent, and STARTTLS appears only while it can still be used.
pub fn ehlo(hostname: &str, max_message_size: usize, starttls: bool) -> String {
    let mut reply = format!("250-{hostname}\r\n");
    reply.push_str("250-PIPELINING\r\n");
    reply.push_str(&format!("250-SIZE {max_message_size}\r\n"));
    reply.push_str("250-8BITMIME\r\n");
    reply.push_str("250-SMTPUTF8\r\n");
    reply.push_str("250-ENHANCEDSTATUSCODES\r\n");
    if starttls {
        reply.push_str("250-STARTTLS\r\n");
    }
    reply.push_str("250 HELP\r\n");
    reply
}

/// Generic success for NOOP and RSET.
pub const OK: &str = "250 2.0.0 Ok\r\n";
/// MAIL FROM accepted.
pub const SENDER_OK: &str = "250 2.1.0 Sender ok\r\n";
/// RCPT TO accepted.
pub const RECIPIENT_OK: &str = "250 2.1.5 Recipient ok\r\n";
/// The go-ahead for the message text after DATA.
pub const START_DATA: &str = "354 End data with <CR><LF>.<CR><LF>\r\n";

/// The message is durably stored; sent only after the backend's commit returned.
pub fn queued(queue_id: &str) -> String {
    format!("250 2.0.0 Ok: queued as {queue_id}\r\n")
}

/// QUIT.
pub const BYE: &str = "221 2.0.0 Bye\r\n";
/// HELP on an SMTP listener.
pub const HELP_SMTP: &str =
    "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT HELP VRFY STARTTLS\r\n";
/// HELP on an LMTP listener.
pub const HELP_LMTP: &str =
    "214 2.0.0 Commands: LHLO MAIL RCPT DATA RSET NOOP QUIT HELP VRFY STARTTLS\r\n";
/// VRFY never confirms or denies an address (no harvesting), as RFC 5321 §3.5.3 allows.
pub const CANNOT_VRFY: &str =
    "252 2.5.2 Cannot VRFY user, but will accept message and attempt delivery\r\n";
/// STARTTLS accepted; the TLS handshake follows immediately.
pub const READY_FOR_TLS: &str = "220 2.0.0 Ready to start TLS\r\n";

/// A command that is not SMTP at all.
pub const UNRECOGNIZED: &str = "500 5.5.1 Command unrecognized\r\n";
/// A command line over 1000 octets (RFC 5321 §4.5.3.1.4), swallowed to its end.
pub const LINE_TOO_LONG: &str = "500 5.5.2 Line too long\r\n";
/// EHLO/HELO on an LMTP listener (RFC 2033 §4.1 requires LHLO).
pub const USE_LHLO: &str = "500 5.5.1 This is an LMTP server: use LHLO\r\n";
/// LHLO on an SMTP listener.
pub const USE_EHLO: &str = "500 5.5.1 This is an SMTP server: use EHLO or HELO\r\n";

/// A known command with bad arguments; `usage` is the command's syntax.
pub fn syntax_error(usage: &str) -> String {
    format!("501 5.5.4 Syntax: {usage}\r\n")
}

/// A known MAIL/RCPT parameter with a bad value.
pub fn invalid_parameter(param: &str) -> String {
    format!("501 5.5.4 Invalid value for parameter {param}\r\n")
}

/// The reverse-path is not a valid mailbox.
pub const BAD_SENDER_SYNTAX: &str = "501 5.1.7 Bad sender address syntax\r\n";
/// The forward-path is not a valid mailbox.
pub const BAD_RECIPIENT_SYNTAX: &str = "501 5.1.3 Bad recipient address syntax\r\n";
/// A MAIL/RCPT parameter of an extension this server does not offer (RFC 5321 §4.1.1.11).
pub const UNSUPPORTED_PARAMETER: &str = "555 5.5.4 Unsupported MAIL or RCPT parameter\r\n";
/// BDAT, AUTH, EXPN, ETRN, ATRN, BURL: known to the parser, not offered here.
pub const NOT_IMPLEMENTED: &str = "502 5.5.1 Command not implemented\r\n";

/// MAIL, RCPT, DATA or STARTTLS before the hello.
pub const HELLO_FIRST: &str = "503 5.5.1 Send EHLO/HELO (LHLO for LMTP) first\r\n";
/// MAIL inside an open transaction.
pub const NESTED_MAIL: &str = "503 5.5.1 Sender already specified\r\n";
/// RCPT or DATA with no MAIL.
pub const MAIL_FIRST: &str = "503 5.5.1 Need MAIL command first\r\n";
/// DATA with no accepted recipient.
pub const RCPT_FIRST: &str = "503 5.5.1 Need RCPT command first\r\n";
/// STARTTLS inside TLS.
pub const TLS_ALREADY_ACTIVE: &str = "503 5.5.1 TLS already active\r\n";
/// STARTTLS when no certificate is configured.
pub const TLS_NOT_AVAILABLE: &str = "454 4.7.0 TLS not available\r\n";

/// RCPT to an address no list or list function answers to: refused here, so no backscatter later.
pub const MAILBOX_UNAVAILABLE: &str = "550 5.1.1 Mailbox unavailable\r\n";
/// One RCPT more than `max_recipients` (RFC 5321 §4.5.3.1.10: 452, the client retries the rest).
pub const TOO_MANY_RECIPIENTS: &str = "452 4.5.3 Too many recipients\r\n";
/// SIZE= at MAIL, or the message text itself, over `max_message_size`.
pub const MESSAGE_TOO_BIG: &str = "552 5.3.4 Message size exceeds fixed maximum message size\r\n";
/// The backend could not commit the message; the client keeps it and retries.
pub const TEMPORARY_FAILURE: &str = "451 4.3.0 Temporary failure, please try again later\r\n";

/// No command within the idle timeout.
pub const IDLE_TIMEOUT: &str = "421 4.4.2 Idle timeout, closing connection\r\n";
/// Too many rejected commands in one session.
pub const TOO_MANY_ERRORS: &str = "421 4.7.0 Too many errors, closing connection\r\n";
/// The connection cap is reached; sent by the accept loop before closing.
pub const TOO_MANY_CONNECTIONS: &str = "421 4.3.2 Too many connections\r\n";
/// The server is shutting down.
pub const SHUTTING_DOWN: &str = "421 4.3.2 Service shutting down, closing connection\r\n";
