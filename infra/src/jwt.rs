//! Bearer tokens: HS256 JWTs carrying the user id and role, with an expiry. Only HS256 is
//! accepted, so a token with `alg: none` or signed with another algorithm is refused.

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
}

impl TokenKeys {
    pub fn new(secret: &str, ttl_secs: i64) -> Self {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            ttl_secs,
        }
    }

    /// Issues a token valid from `now` (seconds since the epoch) for the configured lifetime.
    pub fn issue(&self, user_id: &str, role: &str, now: i64) -> Result<(String, i64), InfraError> {
        let claims = Claims {
            sub: user_id.into(),
            role: role.into(),
            iat: now,
            exp: now + self.ttl_secs,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    #[test]
    fn an_issued_token_verifies_with_its_claims() {
        let k = TokenKeys::new("s3cret", 60);
        let (t, exp) = k.issue("u1", "admin", now()).unwrap();
        let c = k.verify(&t).unwrap();
        assert_eq!((c.sub.as_str(), c.is_admin(), c.exp), ("u1", true, exp));
    }

    #[test]
    fn expired_foreign_and_unsigned_tokens_are_refused() {
        let k = TokenKeys::new("s3cret", 60);
        let (old, _) = k.issue("u1", "member", now() - 3600).unwrap();
        assert!(k.verify(&old).is_err());
        let (foreign, _) = TokenKeys::new("other", 60)
            .issue("u1", "admin", now())
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
