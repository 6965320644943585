//! Request identity: the endpoint accepts only requests signed by its restate-server.
//!
//! The check itself is restate-sdk's ([`IdentityVerifier`]: an Ed25519-signed JWT whose audience
//! is the request's path, valid between `nbf` and `exp`). What this module adds is memory.
//! restate-server signs each request with claims in whole seconds -- the audience is the
//! handler's path, the subject the object or workflow key when there is one -- and Ed25519
//! signatures are deterministic, so every request to a service handler (or to one object key)
//! within the same second carries the very same token. In the benchmark about half of the
//! requests repeated a token (`Bookings/create`, `Notifications/send`, `Reporting/record`,
//! `Calendar/{workspace}/hold`), and checking the signature was 14 % of the endpoint's CPU.
//! A token whose bytes were verified for a path is valid for that path again until its `exp`,
//! so a repeat is answered from the cache; anything else -- another path, other bytes, an
//! expired or not-yet-valid token -- goes to the full check.

use base64::Engine as _;
use restate_sdk_shared_core::IdentityVerifier;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// How many verified (path, token) pairs are remembered; expired ones are dropped first.
const REMEMBERED: usize = 512;

/// Why a request was refused, in words for the 401 body.
#[derive(Debug, thiserror::Error)]
#[error("Error when verifying identity: {0}")]
pub struct Refused(String);

/// restate-sdk's verifier with a memory of the tokens it accepted.
pub struct CachingVerifier {
    inner: IdentityVerifier,
    /// (request path, token) -> the token's validity window `[nbf, exp]` in unix seconds
    accepted: Mutex<HashMap<(String, String), (u64, u64)>>,
}

impl CachingVerifier {
    /// A verifier accepting tokens signed by any of `keys` (`publickeyv1_...`).
    pub fn new(keys: &[&str]) -> anyhow::Result<CachingVerifier> {
        let inner = IdentityVerifier::new(keys)
            .map_err(|e| anyhow::anyhow!("not a valid publickeyv1_ key: {e}"))?;
        Ok(CachingVerifier {
            inner,
            accepted: Mutex::new(HashMap::new()),
        })
    }

    /// Accepts the request when it carries a token restate-server signed for `path`.
    pub fn verify(&self, headers: &http::HeaderMap, path: &str) -> Result<(), Refused> {
        self.verify_at(headers, path, unix_now())
    }

    fn verify_at(&self, headers: &http::HeaderMap, path: &str, now: u64) -> Result<(), Refused> {
        let token = headers
            .get("x-restate-jwt-v1")
            .and_then(|v| v.to_str().ok())
            .filter(|_| {
                headers
                    .get("x-restate-signature-scheme")
                    .is_some_and(|s| s.as_bytes() == b"v1")
            });
        let key = token.map(|t| (path.to_string(), t.to_string()));
        if let Some(key) = &key {
            let accepted = self.accepted.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(&(nbf, exp)) = accepted.get(key)
                && nbf <= now
                && now <= exp
            {
                return Ok(());
            }
        }
        // the full check: signature, audience, validity window (and a clear reason when not)
        self.inner
            .verify_identity(headers, path)
            .map_err(|e| Refused(e.to_string()))?;
        if let Some(key) = key
            && let Some(window) = validity(&key.1)
        {
            let mut accepted = self.accepted.lock().unwrap_or_else(|p| p.into_inner());
            if accepted.len() >= REMEMBERED {
                accepted.retain(|_, &mut (_, exp)| now <= exp);
                if accepted.len() >= REMEMBERED {
                    accepted.clear();
                }
            }
            accepted.insert(key, window);
        }
        Ok(())
    }
}

/// The `[nbf, exp]` claims of a token that was just verified (so its payload is trusted).
fn validity(token: &str) -> Option<(u64, u64)> {
    #[derive(serde::Deserialize)]
    struct Window {
        nbf: u64,
        exp: u64,
    }
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let w: Window = serde_json::from_slice(&bytes).ok()?;
    Some((w.nbf, w.exp))
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use ed25519_dalek::{Signer, SigningKey};

    /// Signs a token the way restate-server does (EdDSA JWT, audience = path).
    fn token(key: &SigningKey, aud: &str, nbf: u64, exp: u64) -> String {
        let header = B64.encode(br#"{"typ":"JWT","alg":"EdDSA"}"#);
        let claims = serde_json::json!({"aud": aud, "nbf": nbf, "iat": nbf, "exp": exp});
        let payload = B64.encode(claims.to_string());
        let signing_input = format!("{header}.{payload}");
        let sig = B64.encode(key.sign(signing_input.as_bytes()).to_bytes());
        format!("{signing_input}.{sig}")
    }

    fn headers(token: &str) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        h.insert("x-restate-signature-scheme", "v1".parse().unwrap());
        h.insert("x-restate-jwt-v1", token.parse().unwrap());
        h
    }

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn verifier(k: &SigningKey) -> CachingVerifier {
        let public = crate::keys::public_key_string(k);
        CachingVerifier::new(&[&public]).unwrap()
    }

    const PATH: &str = "/invoke/Booking/run";

    #[test]
    fn a_signed_token_passes_and_is_remembered_for_its_path_only() {
        let k = key(1);
        let v = verifier(&k);
        let now = unix_now();
        let t = token(&k, PATH, now - 60, now + 60);
        v.verify_at(&headers(&t), PATH, now).unwrap();
        assert_eq!(v.accepted.lock().unwrap().len(), 1);
        v.verify_at(&headers(&t), PATH, now).unwrap();
        assert_eq!(
            v.accepted.lock().unwrap().len(),
            1,
            "a repeat is a cache hit"
        );
        // the same bytes for another handler: the audience does not match
        let e = v
            .verify_at(&headers(&t), "/invoke/Payment/capture", now)
            .unwrap_err();
        assert!(e.to_string().contains("verifying identity"), "{e}");
    }

    #[test]
    fn a_remembered_token_is_refused_once_it_has_expired_or_before_it_is_valid() {
        let k = key(2);
        let v = verifier(&k);
        let now = unix_now();
        let expired = token(&k, PATH, now - 120, now - 60);
        let early = token(&k, PATH, now + 60, now + 120);
        for (t, window) in [
            (&expired, (now - 120, now - 60)),
            (&early, (now + 60, now + 120)),
        ] {
            v.accepted
                .lock()
                .unwrap()
                .insert((PATH.to_string(), t.clone()), window);
            let e = v.verify_at(&headers(t), PATH, now).unwrap_err();
            assert!(e.to_string().contains("verifying identity"), "{e}");
        }
    }

    #[test]
    fn unsigned_foreign_and_tampered_tokens_are_refused() {
        let k = key(3);
        let v = verifier(&k);
        let now = unix_now();
        assert!(v.verify_at(&http::HeaderMap::new(), PATH, now).is_err());
        let mut unsigned = http::HeaderMap::new();
        unsigned.insert("x-restate-signature-scheme", "unsigned".parse().unwrap());
        assert!(v.verify_at(&unsigned, PATH, now).is_err());
        let foreign = token(&key(4), PATH, now - 60, now + 60);
        assert!(v.verify_at(&headers(&foreign), PATH, now).is_err());
        // a valid token, remembered; then the same signature over other claims
        let good = token(&k, PATH, now - 60, now + 60);
        v.verify_at(&headers(&good), PATH, now).unwrap();
        let other = token(&k, PATH, now - 60, now + 3600);
        let forged = format!(
            "{}.{}",
            other.rsplit_once('.').unwrap().0,
            good.rsplit_once('.').unwrap().1
        );
        assert!(v.verify_at(&headers(&forged), PATH, now).is_err());
        // a remembered token under another scheme header does not count as signed
        let mut wrong_scheme = headers(&good);
        wrong_scheme.insert("x-restate-signature-scheme", "unsigned".parse().unwrap());
        assert!(v.verify_at(&wrong_scheme, PATH, now).is_err());
    }

    #[test]
    fn the_memory_stays_bounded() {
        let k = key(5);
        let v = verifier(&k);
        let now = unix_now();
        for i in 0..(REMEMBERED as u64 + 10) {
            let t = token(&k, PATH, now - 60, now + 60 + i);
            v.verify_at(&headers(&t), PATH, now).unwrap();
        }
        assert!(v.accepted.lock().unwrap().len() <= REMEMBERED);
    }
}
