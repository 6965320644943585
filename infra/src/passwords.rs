//! argon2id password hashing. Hashes embed their salt and parameters (PHC string format), so
//! verification needs nothing but the stored string. [`PasswordPool`] runs the hashing off the
//! async workers, a bounded number at a time, so a login flood queues for the pool instead of
//! stalling every other handler on the endpoint's (few) worker threads.

use crate::InfraError;
use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};

/// Hashes a password with a fresh random salt. Call inside a journaled step: the salt is
/// random, so the step's result must be recorded, not recomputed on replay.
pub fn hash(password: &str) -> Result<String, InfraError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| InfraError::Hash(e.to_string()))
}

/// True when `password` matches the stored hash; a malformed stored hash counts as no match.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// argon2 on tokio's blocking threads, at most `concurrency` at once. Each hash costs ~19 MiB
/// and tens of milliseconds of one core: the bound caps both under a flood.
#[derive(Clone)]
pub struct PasswordPool {
    permits: std::sync::Arc<tokio::sync::Semaphore>,
    /// A hash of a random password, made once: an unknown email is verified against it, so it
    /// costs the same argon2 work as a wrong password (no timing oracle for who is registered).
    dummy: std::sync::Arc<String>,
}

impl PasswordPool {
    pub fn new(concurrency: usize) -> Result<PasswordPool, InfraError> {
        let (random, _) = crate::jwt::new_refresh_token();
        Ok(PasswordPool {
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(concurrency.max(1))),
            dummy: std::sync::Arc::new(hash(&random)?),
        })
    }

    /// [`hash`] on the pool.
    pub async fn hash(&self, password: String) -> Result<String, InfraError> {
        self.blocking(move || hash(&password)).await?
    }

    /// [`verify`] on the pool. `stored` is `None` for an account that does not exist (or must
    /// not log in): the password is checked against the dummy hash and `false` is returned,
    /// after the same work as a real check.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, InfraError> {
        let dummy = self.dummy.clone();
        self.blocking(move || match stored {
            Some(h) => verify(&password, &h),
            None => {
                let _ = verify(&password, &dummy);
                false
            }
        })
        .await
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, InfraError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| InfraError::Hash(e.to_string()))?;
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| InfraError::Hash(format!("hashing task failed: {e}")))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_hash_verifies_its_password_and_no_other() {
        let h = super::hash("correct horse").unwrap();
        assert!(super::verify("correct horse", &h));
        assert!(!super::verify("correct horsE", &h));
        assert!(!super::verify("correct horse", "not-a-hash"));
    }

    #[tokio::test]
    async fn the_pool_verifies_and_an_unknown_account_costs_a_real_check() {
        let pool = super::PasswordPool::new(1).unwrap();
        let h = pool.hash("correct horse".into()).await.unwrap();
        assert!(
            pool.verify("correct horse".into(), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(!pool.verify("wrong".into(), Some(h)).await.unwrap());
        let t = std::time::Instant::now();
        assert!(!pool.verify("correct horse".into(), None).await.unwrap());
        // the dummy check runs argon2 (default parameters: milliseconds, not microseconds)
        assert!(
            t.elapsed() > std::time::Duration::from_millis(1),
            "{:?}",
            t.elapsed()
        );
    }
}
