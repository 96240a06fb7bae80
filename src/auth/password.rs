//! Password hashing with argon2id (the crate's defaults follow OWASP's recommendation), the
//! rules a chosen password must meet, and the bound on how many hashes run at once.
//!
//! Hashing is slow and memory-hungry on purpose (about 19 MiB per hash), so callers in async
//! code run it on the blocking pool, and request handlers go through [`PasswordJobs`]: without
//! a bound, a spray of logins queues hundreds of hashes and takes the node's memory and CPU.

use crate::domain::{Email, random_token};
use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Below the minimum length.
    #[error("password must be at least {0} characters")]
    TooShort(usize),
    /// Above the maximum length (checked before any hashing).
    #[error("password must be at most {0} characters")]
    TooLong(usize),
    /// Easy to guess; the message says why and what would help.
    #[error("password is too easy to guess: {0}")]
    TooWeak(String),
    /// Contains the account's email or the part before the `@`.
    #[error("password must not contain the account's email or its name part")]
    ContainsEmail,
    /// The stored hash is unreadable.
    #[error("stored password hash is invalid: {0}")]
    BadHash(String),
    /// The blocking task failed.
    #[error("password hashing task failed")]
    Task,
    /// Every password job is taken (see [`PasswordJobs`]); nothing was done.
    #[error("too many password checks at once; retry in a moment")]
    Busy,
}

impl PasswordError {
    /// True for the errors that describe the chosen password (the caller's to fix).
    pub fn is_policy(&self) -> bool {
        matches!(
            self,
            PasswordError::TooShort(_)
                | PasswordError::TooLong(_)
                | PasswordError::TooWeak(_)
                | PasswordError::ContainsEmail
        )
    }
}

/// Shortest password accepted for an account.
pub(super) const MIN_PASSWORD_LEN: usize = 10;
/// Longest password accepted, in characters: generous for passphrases and password managers,
/// and checked before hashing so a 60,000-character body never reaches argon2.
pub const MAX_PASSWORD_LEN: usize = 128;
/// Shortest email name part that is looked for inside a password; a name of one or two
/// letters would refuse half the passwords for matching by chance.
const MIN_NAME_PART: usize = 3;

fn check_length(password: &str) -> Result<(), PasswordError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_LEN {
        return Err(PasswordError::TooShort(MIN_PASSWORD_LEN));
    }
    if n > MAX_PASSWORD_LEN {
        return Err(PasswordError::TooLong(MAX_PASSWORD_LEN));
    }
    Ok(())
}

/// The rules for a password someone chooses (password change, `agent create
/// --password-stdin`): the length bounds, not the account's email or its name part, and not
/// easy to guess by zxcvbn's estimate (score 3 or more: beyond 10^10 guesses). Generated
/// passwords are random and pass by construction.
pub fn check_new_password(password: &str, email: &Email) -> Result<(), PasswordError> {
    check_length(password)?;
    let email = email.as_str().to_lowercase();
    let name = email.split('@').next().unwrap_or_default();
    let lowered = password.to_lowercase();
    if lowered.contains(&email) || (name.chars().count() >= MIN_NAME_PART && lowered.contains(name))
    {
        return Err(PasswordError::ContainsEmail);
    }
    let mut inputs = vec![email.as_str(), name];
    inputs.extend(email.split(['@', '.']).filter(|p| p.len() >= MIN_NAME_PART));
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if estimate.score() >= zxcvbn::Score::Three {
        return Ok(());
    }
    let mut why: Vec<String> = Vec::new();
    if let Some(feedback) = estimate.feedback() {
        if let Some(warning) = feedback.warning() {
            why.push(warning.to_string());
        }
        why.extend(feedback.suggestions().iter().map(ToString::to_string));
    }
    if why.is_empty() {
        why.push("Add another word or two. Uncommon words are better.".into());
    }
    Err(PasswordError::TooWeak(why.join(" ")))
}

fn hash_now(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::BadHash(e.to_string()))
}

fn verify_now(password: &str, hash: &str) -> Result<bool, PasswordError> {
    // Nobody's password is longer (none is accepted), so a longer one is wrong without work.
    if password.chars().count() > MAX_PASSWORD_LEN {
        return Ok(false);
    }
    let parsed = PasswordHash::new(hash).map_err(|e| PasswordError::BadHash(e.to_string()))?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

/// Hashes a password into PHC format after checking its length. Unbounded: for the CLI and
/// the first-run seed; request handlers use [`PasswordJobs::hash`].
pub async fn hash_password(password: String) -> Result<String, PasswordError> {
    check_length(&password)?;
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .map_err(|_| PasswordError::Task)?
}

/// Checks a password against a stored hash; `Ok(false)` for a wrong password. Unbounded:
/// request handlers use [`PasswordJobs::verify`].
pub async fn verify_password(password: String, hash: String) -> Result<bool, PasswordError> {
    tokio::task::spawn_blocking(move || verify_now(&password, &hash))
        .await
        .map_err(|_| PasswordError::Task)?
}

/// A random password for generated accounts: 20 base62 characters, about 119 bits.
pub fn generate_password() -> String {
    random_token(20)
}

/// Longest a request waits for a password job, whatever one hash took.
const MAX_WAIT: Duration = Duration::from_secs(1);
/// What one hash is assumed to take before one has been timed.
const FIRST_GUESS: Duration = Duration::from_millis(100);

/// At most `jobs` argon2 hashes or verifications at once, one server-wide. A request that
/// finds them all taken waits at most about one hash's time, and only `jobs` requests may wait
/// at all: the rest are refused at once with [`PasswordError::Busy`] (an HTTP 503 with
/// `Retry-After`), so memory stays bounded by `jobs × 19 MiB` and no queue builds up.
#[derive(Clone)]
pub struct PasswordJobs {
    permits: Arc<Semaphore>,
    waiting: Arc<Semaphore>,
    /// How long the last hash took, in microseconds: the longest a waiter waits.
    last_micros: Arc<AtomicU64>,
}

impl std::fmt::Debug for PasswordJobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordJobs")
            .field("free", &self.permits.available_permits())
            .finish()
    }
}

impl PasswordJobs {
    /// Room for `jobs` hashes at once (at least one) and as many waiters.
    pub fn new(jobs: usize) -> Self {
        let jobs = jobs.max(1);
        PasswordJobs {
            permits: Arc::new(Semaphore::new(jobs)),
            waiting: Arc::new(Semaphore::new(jobs)),
            last_micros: Arc::new(AtomicU64::new(FIRST_GUESS.as_micros() as u64)),
        }
    }

    /// A job slot: free now, or after a short wait if few others wait; else `Busy`.
    async fn permit(&self) -> Result<OwnedSemaphorePermit, PasswordError> {
        if let Ok(permit) = self.permits.clone().try_acquire_owned() {
            return Ok(permit);
        }
        let _waiter = self
            .waiting
            .try_acquire()
            .map_err(|_| PasswordError::Busy)?;
        let wait = Duration::from_micros(self.last_micros.load(Ordering::Relaxed)).min(MAX_WAIT);
        match tokio::time::timeout(wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(PasswordError::Busy),
        }
    }

    /// Runs `work` on the blocking pool holding a job slot until it finishes, even if the
    /// request that asked is dropped meanwhile.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, PasswordError> + Send + 'static,
    ) -> Result<T, PasswordError> {
        let permit = self.permit().await?;
        let last = self.last_micros.clone();
        tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let out = work();
            last.store(started.elapsed().as_micros() as u64, Ordering::Relaxed);
            drop(permit);
            out
        })
        .await
        .map_err(|_| PasswordError::Task)?
    }

    /// [`hash_password`] within the bound; the length is checked before a slot is taken.
    pub async fn hash(&self, password: String) -> Result<String, PasswordError> {
        check_length(&password)?;
        self.run(move || hash_now(&password)).await
    }

    /// [`verify_password`] within the bound.
    pub async fn verify(&self, password: String, hash: String) -> Result<bool, PasswordError> {
        self.run(move || verify_now(&password, &hash)).await
    }

    /// Takes a slot now (or `Busy`) and verifies later with it: a login decides whether it
    /// may do the work before it looks the account up, so "busy" says nothing about the email.
    pub async fn reserve(&self) -> Result<PasswordJob, PasswordError> {
        Ok(PasswordJob {
            permit: self.permit().await?,
            last_micros: self.last_micros.clone(),
        })
    }
}

/// A reserved password job slot (see [`PasswordJobs::reserve`]).
pub struct PasswordJob {
    permit: OwnedSemaphorePermit,
    last_micros: Arc<AtomicU64>,
}

impl PasswordJob {
    /// Verifies a password in this slot, then frees it.
    pub async fn verify(self, password: String, hash: String) -> Result<bool, PasswordError> {
        let PasswordJob {
            permit,
            last_micros,
        } = self;
        tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let out = verify_now(&password, &hash);
            last_micros.store(started.elapsed().as_micros() as u64, Ordering::Relaxed);
            drop(permit);
            out
        })
        .await
        .map_err(|_| PasswordError::Task)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> Email {
        Email::parse("nina.berg@shop.example").unwrap()
    }

    #[test]
    fn the_obvious_is_refused_and_the_reason_said() {
        for weak in [
            "aaaaaaaaaa",
            "          ",
            "password123",
            "qwertyuiop",
            "1234567890",
        ] {
            let e = check_new_password(weak, &email()).unwrap_err();
            assert!(matches!(e, PasswordError::TooWeak(_)), "{weak}: {e}");
        }
        for mine in [
            "nina.berg@shop.example",
            "NINA.BERG-is-great-2024",
            "nina.berg's own password",
        ] {
            assert!(
                matches!(
                    check_new_password(mine, &email()),
                    Err(PasswordError::ContainsEmail)
                ),
                "{mine}"
            );
        }
        let long = "Zq8!".repeat(15_000);
        assert!(matches!(
            check_new_password(&long, &email()),
            Err(PasswordError::TooLong(MAX_PASSWORD_LEN))
        ));
        assert!(matches!(
            check_new_password("short", &email()),
            Err(PasswordError::TooShort(_))
        ));
        let weak = check_new_password("aaaaaaaaaa", &email()).unwrap_err();
        assert!(weak.to_string().len() > "password is too easy to guess: ".len());
    }

    #[test]
    fn strong_and_generated_passwords_pass() {
        for strong in [
            "correct horse battery staple",
            "pale-orbit-Tundra-41-kettle",
            "violet harbor lantern 7",
            "amber canyon whistle 9",
            "granite meadow fox 31",
            "silver tundra kettle 58",
            "a long enough password",
            "my own long password",
            "a new long password",
        ] {
            check_new_password(strong, &email()).unwrap_or_else(|e| panic!("{strong}: {e}"));
        }
        for _ in 0..50 {
            let generated = generate_password();
            check_new_password(&generated, &email()).unwrap_or_else(|e| panic!("{generated}: {e}"));
        }
    }

    #[tokio::test]
    async fn jobs_beyond_the_bound_are_refused_at_once() {
        let jobs = PasswordJobs::new(1);
        let held = jobs.reserve().await.unwrap();
        // One may wait (and times out, the slot is held); with the waiter's place taken too,
        // the next is refused without waiting.
        let waiter = jobs.clone();
        let waiting = tokio::spawn(async move { waiter.reserve().await.map(|_| ()) });
        while jobs.waiting.available_permits() > 0 && !waiting.is_finished() {
            tokio::task::yield_now().await;
        }
        assert!(matches!(jobs.reserve().await, Err(PasswordError::Busy)));
        assert!(matches!(waiting.await.unwrap(), Err(PasswordError::Busy)));
        drop(held);
        assert!(jobs.reserve().await.is_ok());
    }
}
