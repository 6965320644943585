//! What every command that talks to the API shares: the client (with the stored session), the
//! `--json` switch and where the session is kept. Printing goes through here so that `--json`
//! always prints the server's answer as it came, and text is only ever a rendering of it.

use super::client::{Api, Session, session_path};
use serde_json::Value;
use std::path::PathBuf;

pub(super) struct Ctx {
    pub(super) api: Api,
    json: bool,
    path: PathBuf,
    session: Session,
}

impl Ctx {
    /// The client for the ingress and admin API, with the session stored at `config_file`
    /// (or its default place).
    pub(super) fn open(
        ingress: &str,
        admin_url: &str,
        json: bool,
        config_file: Option<PathBuf>,
    ) -> Ctx {
        let path = session_path(config_file);
        let session = Session::load(&path);
        let api = Api::with_session(ingress, admin_url, session.clone(), path.clone());
        Ctx {
            api,
            json,
            path,
            session,
        }
    }

    /// Whether the output is for scripts (`--json`).
    pub(super) fn json(&self) -> bool {
        self.json
    }

    /// Prints the server's answer: as it came with `--json`, else as `human` renders it.
    pub(super) fn print(&self, v: &Value, human: impl FnOnce(&Value) -> String) {
        if self.json {
            println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
        } else {
            println!("{}", human(v));
        }
    }

    /// Stores the session an `Auth/register` or `Auth/login` answer holds.
    pub(super) fn remember_login(&mut self, email: &str, answer: &Value) -> anyhow::Result<()> {
        self.session = Session {
            ingress_url: Some(self.api.ingress.clone()),
            email: Some(email.into()),
            token: answer["token"].as_str().map(str::to_string),
            expires_at: answer["expires_at"].as_str().map(str::to_string),
            refresh_token: answer["refresh_token"].as_str().map(str::to_string),
        };
        self.session.save(&self.path)
    }

    /// Forgets the stored session (its account is gone).
    pub(super) fn forget_login(&mut self) -> anyhow::Result<()> {
        self.session = Session::default();
        self.session.save(&self.path)
    }
}
