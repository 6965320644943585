//! The request-identity key pair between restate-server and the endpoint: restate-server signs
//! every request with the private key (PKCS#8 PEM file), the endpoint accepts only requests
//! signed by it (`publickeyv1_` + base58 of the public key, restate-sdk's format).

use anyhow::Context;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, spki::der::pem::LineEnding};
use std::path::Path;

/// Reads the key at `pem`, or generates and writes one (0600, in a 0700 folder); returns the
/// public key string.
pub fn ensure_identity(pem: &Path) -> anyhow::Result<String> {
    if pem.exists() {
        // a key written by an older version may be readable by others
        deskflow_infra::files::write_private(pem, &std::fs::read(pem)?)?;
    }
    let key = match std::fs::read_to_string(pem) {
        Ok(text) => SigningKey::from_pkcs8_pem(&text)
            .with_context(|| format!("{} is not an ed25519 PKCS#8 key", pem.display()))?,
        Err(_) => {
            let key = SigningKey::generate(&mut rand::rngs::OsRng);
            let text = key
                .to_pkcs8_pem(LineEnding::LF)
                .context("cannot encode the key")?;
            // the private key lets whoever reads it call the endpoint as restate-server
            deskflow_infra::files::write_private(pem, text.as_bytes())?;
            key
        }
    };
    Ok(public_key_string(&key))
}

/// [`ensure_identity`], and the public key also written to `public` when given (for
/// `DESKFLOW_RESTATE_IDENTITY_KEY_FILE`): the `identity-key` command of both binaries.
pub fn key_pair_files(private: &Path, public: Option<&Path>) -> anyhow::Result<String> {
    let key = ensure_identity(private)?;
    if let Some(p) = public {
        if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(p, format!("{key}\n"))
            .with_context(|| format!("cannot write {}", p.display()))?;
    }
    Ok(key)
}

pub fn public_key_string(key: &SigningKey) -> String {
    format!(
        "publickeyv1_{}",
        bs58::encode(key.verifying_key().as_bytes()).into_string()
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_key_is_generated_once_and_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k/identity.pem");
        let a = super::ensure_identity(&p).unwrap();
        let b = super::ensure_identity(&p).unwrap();
        assert_eq!(a, b);
        assert!(a.starts_with("publickeyv1_"));
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&p), 0o600);
        assert_eq!(mode(p.parent().unwrap()), 0o700);
        // restate-sdk accepts it
        restate_sdk::prelude::Endpoint::builder()
            .identity_key(&a)
            .unwrap();
    }
}
