//! What the stack configures once its processes answer: the deskflow endpoint registered with
//! restate-server as its deployment (and, for the benchmark, other endpoints beside it), and
//! localstripe's webhooks pointed at the endpoint with the secret both share.

use super::supervisor::Stack;
use anyhow::bail;
use serde::Deserialize;
use std::time::{Duration, Instant};

/// How long the nodes of a cluster have to learn a registration made through one of them.
const KNOWN_EVERYWHERE_WITHIN: Duration = Duration::from_secs(60);

/// A service as the admin API names it: in a registration's answer and in `GET /services`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct ServiceRevision {
    name: String,
    revision: u64,
}

#[derive(Debug, Deserialize)]
struct Services {
    services: Vec<ServiceRevision>,
}

/// The registered services `known` does not list at their registered revision or a later one.
fn missing<'a>(registered: &'a [ServiceRevision], known: &[ServiceRevision]) -> Vec<&'a str> {
    registered
        .iter()
        .filter(|r| {
            !known
                .iter()
                .any(|k| k.name == r.name && k.revision >= r.revision)
        })
        .map(|r| r.name.as_str())
        .collect()
}

impl Stack {
    /// Registers (or re-registers, `force`) the endpoint with restate-server.
    pub async fn register_deployment(&self) -> anyhow::Result<()> {
        self.register(&self.info.endpoint_url).await
    }

    /// Registers (or re-registers) the SDK endpoint at `uri` with this stack's restate-server:
    /// deskflow's own, or another one beside it (the benchmark's floor). In a cluster the
    /// registration lands on one node and reaches the others through the metadata store a
    /// moment later; until then their ingress answers "service not found". So this returns
    /// only once every node lists the registered services.
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
        let registered: Services = r.json().await?;
        self.wait_until_every_node_knows(&registered.services).await
    }

    /// Waits until each node of a cluster lists `registered` (a single node knows at once).
    async fn wait_until_every_node_knows(
        &self,
        registered: &[ServiceRevision],
    ) -> anyhow::Result<()> {
        let Some(c) = &self.info.cluster else {
            return Ok(());
        };
        let deadline = Instant::now() + KNOWN_EVERYWHERE_WITHIN;
        for node in &c.nodes {
            loop {
                let lacking = match self.services_at(&node.admin_url).await {
                    Ok(known) => {
                        let left = missing(registered, &known);
                        if left.is_empty() {
                            break;
                        }
                        format!("it lacks {}", left.join(", "))
                    }
                    Err(e) => format!("its admin API did not answer: {e}"),
                };
                if Instant::now() > deadline {
                    bail!(
                        "{} did not learn the new deployment within {} s; {lacking}",
                        node.name,
                        KNOWN_EVERYWHERE_WITHIN.as_secs(),
                    );
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        Ok(())
    }

    /// The services one node's admin API lists, as that node's metadata has them now.
    async fn services_at(&self, admin_url: &str) -> anyhow::Result<Vec<ServiceRevision>> {
        let r = self
            .http
            .get(format!("{admin_url}/services"))
            .timeout(Duration::from_secs(5))
            .send()
            .await?
            .error_for_status()?;
        Ok(r.json::<Services>().await?.services)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sr(name: &str, revision: u64) -> ServiceRevision {
        ServiceRevision {
            name: name.into(),
            revision,
        }
    }

    #[test]
    fn a_node_knows_a_registration_once_it_lists_each_service_at_its_revision_or_later() {
        let registered = [sr("Auth", 2), sr("Booking", 2)];
        assert_eq!(missing(&registered, &[]), ["Auth", "Booking"]);
        assert_eq!(
            missing(&registered, &[sr("Auth", 2), sr("Booking", 1)]),
            ["Booking"]
        );
        assert!(
            missing(
                &registered,
                &[sr("Booking", 3), sr("Auth", 2), sr("Users", 1)]
            )
            .is_empty()
        );
    }

    #[test]
    fn the_admin_apis_answers_parse() {
        let answer = r#"{"id":"dp_1","services":[{"name":"Auth","revision":1,"ty":"Service"}],"min_protocol_version":5}"#;
        let s: Services = serde_json::from_str(answer).unwrap();
        assert_eq!(s.services, [sr("Auth", 1)]);
    }
}
