//! What the stack configures once its processes answer: the deskflow endpoint registered with
//! restate-server as its deployment (and, for the benchmark, other endpoints beside it), and
//! localstripe's webhooks pointed at the endpoint with the secret both share.

use super::supervisor::Stack;
use anyhow::bail;

impl Stack {
    /// Registers (or re-registers, `force`) the endpoint with restate-server.
    pub async fn register_deployment(&self) -> anyhow::Result<()> {
        self.register(&self.info.endpoint_url).await
    }

    /// Registers (or re-registers) the SDK endpoint at `uri` with this stack's restate-server:
    /// deskflow's own, or another one beside it (the benchmark's floor).
    pub async fn register(&self, uri: &str) -> anyhow::Result<()> {
        let r = self
            .http
            .post(format!("{}/deployments", self.info.admin_url))
            .json(&serde_json::json!({ "uri": uri, "force": true }))
            .send()
            .await?;
        if !r.status().is_success() {
            bail!(
                "registering {uri} failed: {} {}",
                r.status(),
                r.text().await.unwrap_or_default()
            );
        }
        Ok(())
    }

    /// The webhook secret shared by localstripe and the endpoint.
    pub(super) fn webhook_secret(&self) -> String {
        self.opts
            .endpoint_env
            .iter()
            .find(|(k, _)| k == "DESKFLOW_STRIPE_WEBHOOK_SECRET")
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| deskflow_infra::Config::default().stripe_webhook_secret)
    }

    /// Points localstripe's webhooks at the endpoint (localstripe keeps this in memory only,
    /// so it is set again after every start).
    pub(super) async fn configure_provider_webhook(&self) -> anyhow::Result<()> {
        let url = format!("{}/webhooks/stripe", self.info.http_url);
        let r = self
            .http
            .post(format!(
                "{}/_config/webhooks/deskflow",
                self.info.stripe_url
            ))
            .form(&[
                ("url", url.as_str()),
                ("secret", self.webhook_secret().as_str()),
            ])
            .send()
            .await?;
        if !r.status().is_success() {
            bail!(
                "configuring localstripe's webhook failed: {} {}",
                r.status(),
                r.text().await.unwrap_or_default()
            );
        }
        Ok(())
    }
}
