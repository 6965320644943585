//! SMTP delivery with `lettre`. One message per call; retrying is the caller's business (the
//! Notifications handler runs each send as a journaled step with a retry policy).

use crate::InfraError;
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// An email ready to send.
#[derive(Debug, Clone)]
pub struct Email {
    /// Becomes the Message-ID, so a message re-sent after a crash can be recognised as the same.
    pub id: String,
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Sends plain-text mail through one SMTP relay (no TLS: the local stack's maildev and an
/// in-cluster relay speak plain SMTP).
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    host: String,
    port: u16,
}

impl Mailer {
    pub fn new(host: &str, port: u16, from: &str, timeout: Duration) -> Result<Self, InfraError> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| InfraError::Config(format!("mail_from {from:?}: {e}")))?;
        // Pooled connections: one TCP connect, greeting and EHLO per connection instead of per
        // email. A connection the server dropped (a restart) is noticed by the pool, and a send
        // that still fails is retried by its journaled step on a fresh one.
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .timeout(Some(timeout))
            .pool_config(lettre::transport::smtp::PoolConfig::new().max_size(8))
            .build();
        Ok(Mailer {
            transport,
            from,
            host: host.into(),
            port,
        })
    }

    pub async fn send(&self, e: &Email) -> Result<(), InfraError> {
        let to: Mailbox =
            e.to.parse()
                .map_err(|err| InfraError::BadMessage(format!("recipient {:?}: {err}", e.to)))?;
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&e.subject)
            .message_id(Some(format!(
                "<{}@deskflow>",
                e.id.replace([' ', '<', '>', '@'], "-")
            )))
            .header(ContentType::TEXT_PLAIN)
            .body(e.body.clone())
            .map_err(|err| InfraError::BadMessage(err.to_string()))?;
        self.transport
            .send(msg)
            .await
            .map_err(|err| InfraError::Smtp(err.to_string()))?;
        Ok(())
    }

    /// Whether the relay accepts a TCP connection, for readiness.
    pub async fn reachable(&self) -> bool {
        tokio::time::timeout(
            Duration::from_secs(2),
            tokio::net::TcpStream::connect((self.host.as_str(), self.port)),
        )
        .await
        .is_ok_and(|r| r.is_ok())
    }
}
