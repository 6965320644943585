//! Reading the layers: the TOML file and the environment over the defaults, and the identity
//! key from its file.

use super::Config;
use super::vars::ENV;
use crate::InfraError;
use std::path::Path;

impl Config {
    /// Defaults, then the TOML file, then the environment; then [`Config::validate`].
    pub fn load() -> Result<Config, InfraError> {
        let file = std::env::var("DESKFLOW_CONFIG").ok();
        let mut cfg = match file.as_deref() {
            Some(path) => Self::from_file(Path::new(path))?,
            None if Path::new("deskflow.toml").exists() => {
                Self::from_file(Path::new("deskflow.toml"))?
            }
            None => Config::default(),
        };
        cfg.apply_env(|k| std::env::var(k).ok())?;
        cfg.read_key_file()?;
        cfg.validate()?;
        Ok(cfg)
    }

    pub fn from_file(path: &Path) -> Result<Config, InfraError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| InfraError::Config(format!("cannot read {}: {e}", path.display())))?;
        toml::from_str(&text).map_err(|e| InfraError::Config(format!("{}: {e}", path.display())))
    }

    /// Overrides fields from variables named in the reference table. Going through the
    /// serialized form keeps one list of names instead of one `match` arm per field.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), InfraError> {
        let mut table =
            toml::Table::try_from(&*self).map_err(|e| InfraError::Config(e.to_string()))?;
        for (field, var, _) in ENV {
            let Some(raw) = get(var) else { continue };
            let value = match table.get(*field) {
                Some(toml::Value::Boolean(_)) => match raw.trim() {
                    "1" | "true" | "yes" => toml::Value::Boolean(true),
                    "0" | "false" | "no" | "" => toml::Value::Boolean(false),
                    _ => {
                        return Err(InfraError::Config(format!(
                            "{var}={raw:?} is not 1/true or 0/false"
                        )));
                    }
                },
                Some(toml::Value::Integer(_)) => raw
                    .trim()
                    .parse::<i64>()
                    .map(toml::Value::Integer)
                    .map_err(|_| {
                        InfraError::Config(format!("{var}={raw:?} is not a whole number"))
                    })?,
                _ => toml::Value::String(raw),
            };
            table.insert((*field).to_string(), value);
        }
        *self = table
            .try_into()
            .map_err(|e| InfraError::Config(e.to_string()))?;
        Ok(())
    }

    /// Fills `restate_identity_key` from `restate_identity_key_file` when only the file is set.
    pub fn read_key_file(&mut self) -> Result<(), InfraError> {
        if let (None, Some(path)) = (&self.restate_identity_key, &self.restate_identity_key_file) {
            let key = std::fs::read_to_string(path).map_err(|e| {
                InfraError::Config(format!(
                    "DESKFLOW_RESTATE_IDENTITY_KEY_FILE: cannot read {path}: {e}"
                ))
            })?;
            self.restate_identity_key = Some(key.trim().to_string());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn env_overrides_defaults_with_typed_values() {
        let env: HashMap<&str, &str> = [
            ("DATABASE_URL", "postgres://x/y"),
            ("DESKFLOW_SMTP_PORT", "2525"),
            ("DESKFLOW_ADMIN_EMAIL", "a@b.io"),
        ]
        .into();
        let mut c = Config::default();
        c.apply_env(|k| env.get(k).map(|s| s.to_string())).unwrap();
        assert_eq!(c.database_url, "postgres://x/y");
        assert_eq!(c.smtp_port, 2525);
        assert_eq!(c.admin_email.as_deref(), Some("a@b.io"));
    }

    #[test]
    fn a_non_number_for_a_number_is_refused_with_the_variable_name() {
        let mut c = Config::default();
        let err = c
            .apply_env(|k| (k == "DESKFLOW_SMTP_PORT").then(|| "abc".to_string()))
            .unwrap_err();
        assert!(err.to_string().contains("DESKFLOW_SMTP_PORT"), "{err}");
    }

    #[test]
    fn the_identity_key_can_come_from_a_file() {
        let path = std::env::temp_dir().join(format!("deskflow-key-{}", std::process::id()));
        std::fs::write(&path, "publickeyv1_abc\n").unwrap();
        let mut c = Config {
            restate_identity_key_file: Some(path.display().to_string()),
            ..Config::default()
        };
        c.read_key_file().unwrap();
        assert_eq!(c.restate_identity_key.as_deref(), Some("publickeyv1_abc"));
        std::fs::remove_file(&path).unwrap();
        let mut missing = Config {
            restate_identity_key_file: Some(path.display().to_string()),
            ..Config::default()
        };
        let e = missing.read_key_file().unwrap_err().to_string();
        assert!(e.contains("DESKFLOW_RESTATE_IDENTITY_KEY_FILE"), "{e}");
    }
}
