//! argon2id password hashing. Hashes embed their salt and parameters (PHC string format), so
//! verification needs nothing but the stored string.

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

#[cfg(test)]
mod tests {
    #[test]
    fn a_hash_verifies_its_password_and_no_other() {
        let h = super::hash("correct horse").unwrap();
        assert!(super::verify("correct horse", &h));
        assert!(!super::verify("correct horsE", &h));
        assert!(!super::verify("correct horse", "not-a-hash"));
    }
}
