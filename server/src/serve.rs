//! `deskflow serve`: the composition root. Config -> store -> shared dependencies -> the
//! Restate SDK endpoint (every service, object and workflow) and the plain HTTP server, both
//! stopped by one shutdown signal.

use crate::http::{HttpState, app};
use crate::identity::CachingVerifier;
use anyhow::Context as _;
use deskflow_handlers::calendar::Calendar;
use deskflow_handlers::payment::Payment;
use deskflow_handlers::{
    Admin, Auth, Deps, LoginGuard, Notifications, Reporting, Users, Workspaces,
};
use deskflow_infra::store::users::Bootstrap;
use deskflow_infra::{Config, Store, passwords, store::users::User};
use deskflow_workflows::booking::{
    bookings::Bookings, confirmed::ConfirmedBooking, workflow::Booking,
};
use deskflow_workflows::lifecycle::{closure::WorkspaceClosure, deletion::AccountDeletion};
use restate_sdk::prelude::Endpoint;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Runs until `shutdown` completes (Ctrl-C or SIGTERM in the binary).
pub async fn run(
    cfg: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // files this process creates (the SQLite database and its -wal/-shm) are its own only
    deskflow_infra::files::private_umask();
    cfg.check_safe_to_serve()?;
    if cfg.jwt_secret == deskflow_infra::config::DEV_JWT_SECRET {
        tracing::warn!(
            "DESKFLOW_JWT_SECRET is the built-in development secret (allowed: DESKFLOW_DEV_STACK is set)"
        );
    }
    let store = Store::connect(&cfg.database_url, cfg.database_max_connections)
        .await
        .with_context(|| format!("cannot open the database at {}", redact(&cfg.database_url)))?;
    ensure_first_admin(&cfg, &store).await?;
    let deps = Deps::new(&cfg, store)?;

    let endpoint = Endpoint::builder()
        .bind(Auth { deps: deps.clone() })
        .bind(LoginGuard { deps: deps.clone() })
        .bind(Users { deps: deps.clone() })
        .bind(Workspaces { deps: deps.clone() })
        .bind(Notifications { deps: deps.clone() })
        .bind(Reporting { deps: deps.clone() })
        .bind(Admin { deps: deps.clone() })
        .bind(Calendar { deps: deps.clone() })
        .bind(Payment { deps: deps.clone() })
        .bind(Bookings { deps: deps.clone() })
        .bind(Booking { deps: deps.clone() })
        .bind(ConfirmedBooking { deps: deps.clone() })
        .bind(WorkspaceClosure { deps: deps.clone() })
        .bind(AccountDeletion { deps: deps.clone() });
    // the endpoint's own server checks the signature of every request (see `identity`)
    let verifier = match &cfg.restate_identity_key {
        Some(key) => Some(Arc::new(CachingVerifier::new(&[key.as_str()]).context(
            "DESKFLOW_RESTATE_IDENTITY_KEY is not a valid publickeyv1_ key",
        )?)),
        None => {
            tracing::warn!(
                "no DESKFLOW_RESTATE_IDENTITY_KEY: the endpoint accepts requests from anyone who can reach it"
            );
            None
        }
    };

    let sdk_listener = TcpListener::bind(&cfg.endpoint_addr)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.endpoint_addr))?;
    let http_listener = TcpListener::bind(&cfg.http_addr)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.http_addr))?;
    tracing::info!(endpoint = %sdk_listener.local_addr()?, http = %http_listener.local_addr()?, "deskflow endpoint listening");

    let state = Arc::new(HttpState {
        deps: deps.clone(),
        http: reqwest::Client::new(),
        restate_admin_url: cfg.restate_admin_url.clone(),
        restate_ingress_url: cfg.restate_ingress_url.clone(),
        restate_nodes: cfg
            .restate_nodes
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        stripe_api_base: cfg.stripe_api_base.clone(),
        stripe_webhook_secret: cfg.stripe_webhook_secret.clone(),
    });
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let sdk = crate::sdk_server::serve(
        endpoint.build(),
        verifier,
        sdk_listener,
        stopped(stop_rx.clone()),
    );
    let http = axum::serve(http_listener, app(state)).with_graceful_shutdown(stopped(stop_rx));
    let (_, http_result) = tokio::join!(sdk, http);
    http_result?;
    tracing::info!("deskflow endpoint stopped");
    Ok(())
}

/// Creates the configured first admin, so a fresh stack has someone who may open workspaces.
/// An account registered with that email already is promoted only when its password is the
/// configured one: whoever registered the admin email first with a password of their own
/// (before the operator's first start, say) must not become admin. That case is logged as an
/// error and start-up goes on without an admin from the environment.
async fn ensure_first_admin(cfg: &Config, store: &Store) -> anyhow::Result<()> {
    let (Some(email), Some(password)) = (&cfg.admin_email, &cfg.admin_password) else {
        return Ok(());
    };
    let email = deskflow_domain::email::Email::parse(email).context("DESKFLOW_ADMIN_EMAIL")?;
    deskflow_domain::password::check_new_password(password).context("DESKFLOW_ADMIN_PASSWORD")?;
    let user = User {
        id: uuid::Uuid::new_v4().to_string(),
        email: email.as_str().into(),
        name: "Administrator".into(),
        role: "admin".into(),
        active: true,
        created_at: chrono::Utc::now().timestamp_millis(),
    };
    let hash = passwords::hash(password)?;
    let outcome = store
        .ensure_admin(&user, &hash, |stored| passwords::verify(password, stored))
        .await?;
    match outcome {
        Bootstrap::Created => tracing::info!(email = email.as_str(), "first admin created"),
        Bootstrap::AlreadyAdmin => tracing::info!(email = email.as_str(), "first admin is present"),
        Bootstrap::Promoted => tracing::info!(
            email = email.as_str(),
            "the account with the configured admin email and password is now an admin"
        ),
        Bootstrap::Refused => tracing::error!(
            email = email.as_str(),
            "DESKFLOW_ADMIN_EMAIL is registered already with another password than DESKFLOW_ADMIN_PASSWORD: \
             NOT promoting that account (it may not be yours). Promote the right account as an existing \
             admin (`deskflow admin create`, Admin/promote), or configure another admin email"
        ),
    }
    Ok(())
}

/// A database URL without its password, for messages.
/// `serve` as a program: configuration from the environment (and `DESKFLOW_CONFIG_FILE`), the
/// tracing subscriber, then [`run`] until SIGINT or SIGTERM. `json_logs` forces JSON log lines.
pub async fn main(json_logs: bool) -> anyhow::Result<()> {
    let mut cfg = deskflow_infra::Config::load()?;
    if json_logs {
        cfg.log_format = "json".into();
    }
    crate::telemetry::init(&cfg.log_format, &cfg.log_filter);
    run(cfg, shutdown_signal()).await
}

/// Resolves on Ctrl-C or SIGTERM (what `docker stop` and the stack supervisor send).
pub async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
            None => url.to_string(),
        },
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store(dir: &tempfile::TempDir) -> Store {
        Store::connect(&format!("sqlite://{}/t.db", dir.path().display()), 2)
            .await
            .unwrap()
    }

    fn cfg(email: &str, password: &str) -> Config {
        Config {
            admin_email: Some(email.into()),
            admin_password: Some(password.into()),
            ..Config::default()
        }
    }

    fn member(id: &str, email: &str) -> User {
        User {
            id: id.into(),
            email: email.into(),
            name: "Someone".into(),
            role: "member".into(),
            active: true,
            created_at: 1,
        }
    }

    #[tokio::test]
    async fn the_bootstrap_does_not_promote_an_account_registered_with_another_password() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(&dir).await;
        let hash = passwords::hash("the-squatters-password").unwrap();
        s.insert_user(&member("squatter", "boss@x.io"), &hash)
            .await
            .unwrap();
        ensure_first_admin(&cfg("boss@x.io", "configured-password"), &s)
            .await
            .unwrap();
        assert_eq!(s.user("squatter").await.unwrap().unwrap().role, "member");
    }

    #[tokio::test]
    async fn the_bootstrap_creates_the_admin_or_promotes_the_one_with_the_configured_password() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(&dir).await;
        ensure_first_admin(&cfg("new@x.io", "configured-password"), &s)
            .await
            .unwrap();
        let (u, _) = s.user_credentials("new@x.io").await.unwrap().unwrap();
        assert_eq!(u.role, "admin");
        let hash = passwords::hash("configured-password").unwrap();
        s.insert_user(&member("mine", "mine@x.io"), &hash)
            .await
            .unwrap();
        ensure_first_admin(&cfg("mine@x.io", "configured-password"), &s)
            .await
            .unwrap();
        assert_eq!(s.user("mine").await.unwrap().unwrap().role, "admin");
    }
}
