//! Bearer tokens: HS256 JWTs carrying the user id, role and token version, with a short expiry;
//! and refresh tokens, random strings of which only a hash is stored. Only HS256 is accepted,
//! so a token with `alg: none` or signed with another algorithm is refused.

use crate::InfraError;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// What a token says about its bearer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// the user id
    pub sub: String,
    /// `member` or `admin`
    pub role: String,
    /// issued at, seconds since the epoch
    pub iat: i64,
    /// expiry, seconds since the epoch
    pub exp: i64,
    /// the user's token version when it was issued; the guard refuses a token whose version is
    /// not the user's current one (a demotion or password change bumps it)
    #[serde(default)]
    pub ver: i64,
}

impl Claims {
    pub fn is_admin(&self) -> bool {
        self.role == "admin"
    }
}

/// Signs and checks tokens with one shared secret.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl_secs: i64,
    /// the signing secret, also keying [`TokenKeys::pseudonym`]
    secret: Vec<u8>,
}

impl TokenKeys {
    pub fn new(secret: &str, ttl_secs: i64) -> Self {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            ttl_secs,
            secret: secret.as_bytes().to_vec(),
        }
    }

    /// Issues a token valid from `now` (seconds since the epoch) for the configured lifetime,
    /// under the user's current token `version`.
    pub fn issue(
        &self,
        user_id: &str,
        role: &str,
        version: i64,
        now: i64,
    ) -> Result<(String, i64), InfraError> {
        let claims = Claims {
            sub: user_id.into(),
            role: role.into(),
            iat: now,
            exp: now + self.ttl_secs,
            ver: version,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, claims.exp))
    }

    /// Checks signature, algorithm and expiry (no leeway: an expired token is expired).
    pub fn verify(&self, token: &str) -> Result<Claims, InfraError> {
        let mut v = Validation::new(Algorithm::HS256);
        v.leeway = 0;
        v.set_required_spec_claims(&["exp", "sub"]);
        Ok(jsonwebtoken::decode::<Claims>(token, &self.decoding, &v)?.claims)
    }
}

impl TokenKeys {
    /// A stable stand-in for `value` (an email) where it would otherwise be a Restate key,
    /// visible in the UI and kept in its journals: hex HMAC-SHA256 under the server's secret,
    /// separated by `purpose`, 128 bits. Nobody without the secret can tell whose it is.
    pub fn pseudonym(&self, purpose: &str, value: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.secret)
            .expect("HMAC takes a key of any length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }
}

/// A fresh refresh token: 32 random bytes from the OS (hex, with a `dfr_` prefix so a leaked
/// one is recognisable) and the hash to store. Randomness comes from the OS, never from
/// Restate's deterministic generator, which is seeded by the (visible) invocation id.
pub fn new_refresh_token() -> (String, String) {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = format!("dfr_{}", hex::encode(bytes));
    let hash = refresh_token_hash(&token);
    (token, hash)
}

/// The stored form of a refresh token: hex SHA-256. The token has 256 bits of entropy, so a
/// fast hash cannot be brute-forced, and lookups stay one indexed read.
pub fn refresh_token_hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.trim().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pseudonym_is_stable_keyed_and_separated_by_purpose() {
        let k = TokenKeys::new("secret-one", 60);
        let p = k.pseudonym("login-guard", "ann@x.io");
        assert_eq!(p, k.pseudonym("login-guard", "ann@x.io"));
        assert_eq!(p.len(), 32);
        assert!(!p.contains("ann"));
        assert_ne!(p, k.pseudonym("login-guard", "bob@x.io"));
        assert_ne!(p, k.pseudonym("other", "ann@x.io"));
        assert_ne!(
            p,
            TokenKeys::new("secret-two", 60).pseudonym("login-guard", "ann@x.io")
        );
    }

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    #[test]
    fn an_issued_token_verifies_with_its_claims() {
        let k = TokenKeys::new("s3cret", 60);
        let (t, exp) = k.issue("u1", "admin", 3, now()).unwrap();
        let c = k.verify(&t).unwrap();
        assert_eq!(
            (c.sub.as_str(), c.is_admin(), c.exp, c.ver),
            ("u1", true, exp, 3)
        );
    }

    #[test]
    fn refresh_tokens_are_random_and_stored_only_as_their_hash() {
        let (a, ha) = new_refresh_token();
        let (b, hb) = new_refresh_token();
        assert_ne!(a, b);
        assert!(a.starts_with("dfr_") && a.len() == 68, "{a}");
        assert_eq!(refresh_token_hash(&a), ha);
        assert_ne!(ha, hb);
        assert!(!ha.contains(&a[4..]));
    }

    #[test]
    fn expired_foreign_and_unsigned_tokens_are_refused() {
        let k = TokenKeys::new("s3cret", 60);
        let (old, _) = k.issue("u1", "member", 0, now() - 3600).unwrap();
        assert!(k.verify(&old).is_err());
        let (foreign, _) = TokenKeys::new("other", 60)
            .issue("u1", "admin", 0, now())
            .unwrap();
        assert!(k.verify(&foreign).is_err());
        // alg: none — header {"alg":"none","typ":"JWT"}, no signature
        let payload = format!(
            r#"{{"sub":"u1","role":"admin","iat":{},"exp":{}}}"#,
            now(),
            now() + 60
        );
        use base64::Engine;
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let none = format!(
            "{}.{}.",
            b64(r#"{"alg":"none","typ":"JWT"}"#),
            b64(&payload)
        );
        assert!(k.verify(&none).is_err());
    }
}
