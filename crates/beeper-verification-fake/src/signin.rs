//! Signing in: the four public operations of the `/v1/app/setup` family (start, send the code,
//! finish with the code, create the account), the accounts the fake knows, and the outbox the
//! emailed codes go to.
//!
//! ```text
//! startSetup → open ──sendSetupEmail──→ code sent ──finishSetupSignIn──→ signed in   (a known email)
//!                                          │                        └─→ registration pending
//!                                          │                               └─registerSetupAccount─→ signed in
//!                                          └─ 5 wrong codes: closed (later calls: 404)
//! ```
//!
//! The statuses and codes of the refusals are the fake's own choice (the API documents none);
//! the README lists them. No message names a code, a lead token or the access token.

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;

use crate::session::FakeSessionState;
use crate::state::Refusal;

/// How many of the latest emailed codes the outbox keeps ([`FakeServer::outbox`](crate::FakeServer::outbox),
/// `GET /_fake/outbox`); the oldest goes first.
pub const OUTBOX_SIZE: usize = 100;

/// How many setup requests (sign-in attempts) the fake keeps unless told otherwise
/// ([`FakeServerBuilder::max_setup_requests`](crate::FakeServerBuilder::max_setup_requests)),
/// open and finished together.
pub const DEFAULT_MAX_SETUP_REQUESTS: usize = 1_000;

/// How many accounts the fake knows at most, those given to it and those registered together.
/// Past it, `registerSetupAccount` answers 507 `TOO_MANY_ACCOUNTS`.
pub const MAX_ACCOUNTS: usize = 10_000;

/// How many wrong codes a setup request takes: the one that reaches it closes the request.
pub const MAX_WRONG_SIGN_IN_CODES: u32 = 5;

/// The longest email address the fake takes (RFC 5321's limit on a path, less its brackets).
pub(crate) const MAX_EMAIL_BYTES: usize = 254;

/// The longest username the fake takes.
pub(crate) const MAX_USERNAME_BYTES: usize = 64;

/// The longest sign-in code the fake can be given ([`FakeServerBuilder::sign_in_code`](crate::FakeServerBuilder::sign_in_code)).
pub(crate) const MAX_CODE_BYTES: usize = 64;

/// The sign-in method every attempt offers.
const EMAIL_METHOD: &str = "email";

/// The words of the account-creation step, as the official SDKs pin them.
pub(crate) const COPY_SUBMIT: &str = "Continue";
pub(crate) const COPY_TERMS: &str =
    "By continuing, you agree to the Terms of Use and acknowledge the Privacy Policy.";
pub(crate) const COPY_TITLE: &str = "Choose your username";
pub(crate) const COPY_USERNAME_PLACEHOLDER: &str = "Username";

/// Mixed into the seed of sign-in's draws (setup request IDs, codes, lead tokens), so that they
/// leave the verification IDs and recovery keys of a seeded run as they were.
const SIGN_IN_SEED: u64 = 0x5349_474e_2d49_4e21;

/// One email the fake sent: a one-time sign-in code, to the address given to
/// `sendSetupEmail`. Read them with [`FakeServer::outbox`](crate::FakeServer::outbox) or
/// `GET /_fake/outbox`.
///
/// Its `Debug` does not show the code, so that printing it leaks nothing; read
/// [`code`](Self::code) to use it.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct OutboxMessage {
    /// The address, as `sendSetupEmail` gave it.
    pub email: String,
    /// The one-time sign-in code (a secret).
    pub code: String,
}

impl std::fmt::Debug for OutboxMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxMessage")
            .field("email", &self.email)
            .field("code", &"[redacted]")
            .finish()
    }
}

/// An account the fake knows.
#[derive(Clone)]
struct Account {
    /// The email, in lower case: emails compare without regard to case.
    email_key: String,
    /// The local part of the email, in lower case: a username equal to it is taken.
    local_part: String,
    /// The username, in lower case; the user ID is `@username:beeper.com`.
    username: String,
}

/// Where a setup request is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// Started; a code may have been sent.
    Open,
    /// The code was right, for an email without an account: the lead token is out.
    RegistrationPending,
    /// Signed in with it.
    Finished,
}

/// One setup request (a sign-in attempt).
#[derive(Clone)]
struct Attempt {
    stage: Stage,
    /// The email the latest code went to.
    email: Option<String>,
    /// The latest code sent.
    code: Option<String>,
    /// How many wrong codes it took.
    wrong: u32,
    /// The lead token, while the registration is pending.
    lead_token: Option<String>,
}

/// How a right code ends.
pub(crate) enum Finished {
    /// Signed in to a known account.
    SignedIn {
        /// The account's Matrix user ID.
        user_id: String,
    },
    /// The email has no account: register one with the lead token.
    RegistrationRequired {
        /// The lead token (a secret).
        lead_token: String,
        /// Usernames to propose.
        suggestions: Vec<String>,
    },
}

/// Everything sign-in keeps. Its `Debug` shows no secret.
pub(crate) struct SignIn {
    accounts: Vec<Account>,
    attempts: BTreeMap<String, Attempt>,
    /// The finished setup requests still kept, in the order they finished: the first to go
    /// when room is needed.
    finished: VecDeque<String>,
    max_attempts: usize,
    outbox: VecDeque<OutboxMessage>,
    /// The code every email carries, for scripted runs (`None`: 6 random digits).
    fixed_code: Option<String>,
    /// The session state a sign-in moves to.
    pub state_after: FakeSessionState,
    /// Draws setup request IDs, codes and lead tokens.
    rng: fastrand::Rng,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn")
            .field("accounts", &self.accounts.len())
            .field("setup_requests", &self.attempts.len())
            .field("outbox", &self.outbox.len())
            .field("state_after", &self.state_after)
            .finish_non_exhaustive()
    }
}

/// Whether `email` looks like an address: a local part and a domain around one `@`, visible
/// characters only, at most [`MAX_EMAIL_BYTES`].
pub(crate) fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    email.len() <= MAX_EMAIL_BYTES
        && !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Whether `username` can be one: 1 to [`MAX_USERNAME_BYTES`] of ASCII letters, digits and
/// `.`, `_`, `=`, `-` (what a Matrix user ID's local part may hold, in any case).
pub(crate) fn is_username(username: &str) -> bool {
    !username.is_empty()
        && username.len() <= MAX_USERNAME_BYTES
        && username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._=-".contains(&b))
}

/// Whether `code` can be the fake's fixed sign-in code: 1 to [`MAX_CODE_BYTES`] of visible
/// ASCII, no spaces.
pub(crate) fn is_code(code: &str) -> bool {
    !code.is_empty() && code.len() <= MAX_CODE_BYTES && code.bytes().all(|b| b.is_ascii_graphic())
}

/// The email's local part, in lower case.
fn local_part(email: &str) -> String {
    email
        .rsplit_once('@')
        .map_or(email, |(local, _)| local)
        .to_lowercase()
}

/// A username from an email: its local part in lower case, before any `+tag`, with only the
/// characters a username may hold, at most 32 of them; `user` if nothing is left.
fn username_from(email: &str) -> String {
    let local = local_part(email);
    let untagged = local.split('+').next().unwrap_or_default();
    let kept: String = untagged
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(*c))
        .collect();
    let trimmed: String = kept
        .trim_matches(['.', '_', '-'])
        .chars()
        .take(32)
        .collect();
    if trimmed.is_empty() {
        "user".to_owned()
    } else {
        trimmed
    }
}

/// The Matrix user ID of a username.
fn user_id(username: &str) -> String {
    format!("@{username}:beeper.com")
}

/// Compares a secret in time that does not depend on where the two first differ.
pub(crate) fn same_secret(given: &str, secret: &str) -> bool {
    given.len() == secret.len()
        && given
            .bytes()
            .zip(secret.bytes())
            .fold(0u8, |differ, (a, b)| differ | (a ^ b))
            == 0
}

impl SignIn {
    pub fn new(max_attempts: usize) -> Self {
        Self {
            accounts: Vec::new(),
            attempts: BTreeMap::new(),
            finished: VecDeque::new(),
            max_attempts,
            outbox: VecDeque::new(),
            fixed_code: None,
            state_after: FakeSessionState::NeedsVerification,
            rng: fastrand::Rng::new(),
        }
    }

    /// Draws the same IDs, codes and lead tokens on every run.
    pub fn seed(&mut self, seed: u64) {
        self.rng = fastrand::Rng::with_seed(seed ^ SIGN_IN_SEED);
    }

    /// Every email carries `code` from now on.
    pub fn set_fixed_code(&mut self, code: String) {
        self.fixed_code = Some(code);
    }

    /// Adds a known account for `email` (once: a known email is left as it is), its username
    /// the email's. Past [`MAX_ACCOUNTS`], refused.
    pub fn add_account(&mut self, email: &str) -> Result<(), Refusal> {
        let username = username_from(email);
        self.add(email, username)
    }

    fn add(&mut self, email: &str, username: String) -> Result<(), Refusal> {
        let email_key = email.to_lowercase();
        if self.accounts.iter().any(|a| a.email_key == email_key) {
            return Ok(());
        }
        if self.accounts.len() >= MAX_ACCOUNTS {
            return Err(Refusal::TooManyAccounts { max: MAX_ACCOUNTS });
        }
        self.accounts.push(Account {
            local_part: local_part(email),
            email_key,
            username,
        });
        Ok(())
    }

    fn account(&self, email: &str) -> Option<&Account> {
        let key = email.to_lowercase();
        self.accounts.iter().find(|a| a.email_key == key)
    }

    /// Whether a username is taken: some account's, or the local part of a known email.
    fn taken(&self, username: &str) -> bool {
        let wanted = username.to_lowercase();
        self.accounts
            .iter()
            .any(|a| a.username == wanted || a.local_part == wanted)
    }

    /// The emailed codes kept, oldest first.
    pub fn outbox(&self) -> impl Iterator<Item = &OutboxMessage> {
        self.outbox.iter()
    }

    pub fn clear_outbox(&mut self) {
        self.outbox.clear();
    }

    fn draw(&mut self, prefix: &str, length: usize) -> String {
        let rng = &mut self.rng;
        let random: String = std::iter::repeat_with(|| rng.alphanumeric())
            .take(length)
            .collect();
        format!("{prefix}{random}")
    }

    fn signed_out(state: FakeSessionState) -> Result<(), Refusal> {
        if state == FakeSessionState::NeedsLogin {
            Ok(())
        } else {
            Err(Refusal::AlreadySignedIn { state })
        }
    }

    fn attempt(&mut self, id: &str) -> Result<&mut Attempt, Refusal> {
        self.attempts
            .get_mut(id)
            .ok_or(Refusal::SetupRequestNotFound)
    }

    /// `startSetup`: a new setup request, making room by dropping the one that finished first
    /// when the fake keeps `max` already; refused when all of them are open.
    pub fn start(&mut self, state: FakeSessionState) -> Result<(String, Vec<String>), Refusal> {
        Self::signed_out(state)?;
        while self.attempts.len() >= self.max_attempts {
            let Some(oldest) = self.finished.pop_front() else {
                return Err(Refusal::TooManySetupRequests {
                    max: self.max_attempts,
                });
            };
            self.attempts.remove(&oldest);
        }
        let id = loop {
            let id = self.draw("setup_", 20);
            if !self.attempts.contains_key(&id) {
                break id;
            }
        };
        self.attempts.insert(
            id.clone(),
            Attempt {
                stage: Stage::Open,
                email: None,
                code: None,
                wrong: 0,
                lead_token: None,
            },
        );
        Ok((id, vec![EMAIL_METHOD.to_owned()]))
    }

    /// `sendSetupEmail`: mails a fresh code to `email` (the outbox), replacing any code the
    /// request had. The wrong codes it took still count.
    pub fn send_email(
        &mut self,
        state: FakeSessionState,
        id: &str,
        email: &str,
    ) -> Result<(), Refusal> {
        Self::signed_out(state)?;
        if self.attempt(id)?.stage != Stage::Open {
            return Err(Refusal::SignInCodeUsed);
        }
        let code = match &self.fixed_code {
            Some(code) => code.clone(),
            None => format!("{:06}", self.rng.u32(0..1_000_000)),
        };
        let attempt = self.attempt(id)?;
        attempt.email = Some(email.to_owned());
        attempt.code = Some(code.clone());
        while self.outbox.len() >= OUTBOX_SIZE {
            self.outbox.pop_front();
        }
        self.outbox.push_back(OutboxMessage {
            email: email.to_owned(),
            code,
        });
        Ok(())
    }

    /// `finishSetupSignIn`: checks the code. A wrong one counts; the one that reaches
    /// [`MAX_WRONG_SIGN_IN_CODES`] closes the request. A right one signs in to a known account,
    /// or opens the registration of a new one.
    pub fn finish(
        &mut self,
        state: FakeSessionState,
        id: &str,
        given: &str,
    ) -> Result<Finished, Refusal> {
        Self::signed_out(state)?;
        let attempt = self.attempt(id)?;
        if attempt.stage != Stage::Open {
            return Err(Refusal::SignInCodeUsed);
        }
        let (Some(code), Some(email)) = (attempt.code.clone(), attempt.email.clone()) else {
            return Err(Refusal::NoSignInCodeSent);
        };
        if !same_secret(given, &code) {
            attempt.wrong += 1;
            let tries_left = MAX_WRONG_SIGN_IN_CODES.saturating_sub(attempt.wrong);
            if tries_left == 0 {
                self.attempts.remove(id);
            }
            return Err(Refusal::InvalidSignInCode { tries_left });
        }
        attempt.code = None;
        if let Some(account) = self.account(&email) {
            let user_id = user_id(&account.username);
            self.finish_attempt(id);
            return Ok(Finished::SignedIn { user_id });
        }
        let lead_token = self.draw("lead_", 32);
        let suggestions = self.suggestions(&email);
        if let Some(attempt) = self.attempts.get_mut(id) {
            attempt.stage = Stage::RegistrationPending;
            attempt.lead_token = Some(lead_token.clone());
        }
        Ok(Finished::RegistrationRequired {
            lead_token,
            suggestions,
        })
    }

    /// `registerSetupAccount`: creates the account of the request's email with `username`, if
    /// the lead token is the one issued for it and the username is free, and signs in with it.
    /// A taken username leaves the request open, to try another.
    pub fn register(
        &mut self,
        state: FakeSessionState,
        id: &str,
        lead_token: &str,
        username: &str,
    ) -> Result<String, Refusal> {
        Self::signed_out(state)?;
        let attempt = self.attempt(id)?;
        let issued = match (&attempt.stage, &attempt.lead_token) {
            (Stage::RegistrationPending, Some(issued)) => same_secret(lead_token, issued),
            _ => false,
        };
        let email = attempt.email.clone();
        let (true, Some(email)) = (issued, email) else {
            return Err(Refusal::InvalidLeadToken);
        };
        if self.taken(username) {
            return Err(Refusal::UsernameTaken {
                username: username.to_owned(),
            });
        }
        let username = username.to_lowercase();
        self.add(&email, username.clone())?;
        self.finish_attempt(id);
        Ok(user_id(&username))
    }

    fn finish_attempt(&mut self, id: &str) {
        if let Some(attempt) = self.attempts.get_mut(id) {
            attempt.stage = Stage::Finished;
            attempt.code = None;
            attempt.lead_token = None;
            self.finished.push_back(id.to_owned());
        }
    }

    /// Up to three free usernames from the email: its own, then with 1, 2, ... after it.
    fn suggestions(&self, email: &str) -> Vec<String> {
        let base = username_from(email);
        std::iter::once(base.clone())
            .chain((1..=50).map(|n| format!("{base}{n}")))
            .filter(|name| !self.taken(name))
            .take(3)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUT: FakeSessionState = FakeSessionState::NeedsLogin;

    fn sign_in() -> SignIn {
        let mut s = SignIn::new(10);
        s.seed(1);
        s
    }

    #[test]
    fn usernames_come_from_the_local_part_sanitized() {
        assert_eq!(username_from("Jane.Doe+news@example.com"), "jane.doe");
        assert_eq!(username_from("--x y!z__@example.com"), "xyz");
        assert_eq!(username_from("+tag@example.com"), "user");
        assert_eq!(
            username_from(&format!("{}@e.com", "a".repeat(80))).len(),
            32
        );
    }

    #[test]
    fn emails_and_usernames_are_checked() {
        assert!(is_email("a@b") && is_email("jane.doe+x@example.com"));
        for bad in [
            "",
            "a",
            "@b",
            "a@",
            "a b@c",
            "a@b\n",
            &format!("{}@b", "a".repeat(300)),
        ] {
            assert!(!is_email(bad), "{bad:?}");
        }
        assert!(is_username("Jane_Doe-2.x="));
        for bad in ["", "jane doe", "jane@x", "jäne", &"a".repeat(65)] {
            assert!(!is_username(bad), "{bad:?}");
        }
        assert!(is_code("123456") && !is_code("12 34") && !is_code(""));
    }

    #[test]
    fn a_known_email_signs_in_in_any_case() {
        let mut s = sign_in();
        s.add_account("Jane@Example.com").expect("room");
        let (id, methods) = s.start(OUT).expect("started");
        assert_eq!(methods, ["email"]);
        s.send_email(OUT, &id, "jane@EXAMPLE.com").expect("sent");
        let code = s.outbox().last().map(|m| m.code.clone()).expect("mailed");
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        match s.finish(OUT, &id, &code) {
            Ok(Finished::SignedIn { user_id }) => assert_eq!(user_id, "@jane:beeper.com"),
            _ => panic!("signed in"),
        }
        assert_eq!(
            s.finish(OUT, &id, &code).err(),
            Some(Refusal::SignInCodeUsed)
        );
    }

    #[test]
    fn wrong_codes_are_counted_and_the_last_closes_the_request() {
        let mut s = sign_in();
        s.set_fixed_code("424242".into());
        let (id, _) = s.start(OUT).expect("started");
        assert_eq!(
            s.finish(OUT, &id, "1").err(),
            Some(Refusal::NoSignInCodeSent)
        );
        s.send_email(OUT, &id, "new@example.com").expect("sent");
        for left in (0..MAX_WRONG_SIGN_IN_CODES).rev() {
            assert_eq!(
                s.finish(OUT, &id, "000000").err(),
                Some(Refusal::InvalidSignInCode { tries_left: left })
            );
        }
        assert_eq!(
            s.finish(OUT, &id, "424242").err(),
            Some(Refusal::SetupRequestNotFound)
        );
    }

    #[test]
    fn a_new_email_registers_a_free_username_with_its_lead_token() {
        let mut s = sign_in();
        s.add_account("jane@example.com").expect("room");
        let (id, _) = s.start(OUT).expect("started");
        s.send_email(OUT, &id, "Jane@other.example").expect("sent");
        let code = s.outbox().last().map(|m| m.code.clone()).expect("mailed");
        let Ok(Finished::RegistrationRequired {
            lead_token,
            suggestions,
        }) = s.finish(OUT, &id, &code)
        else {
            panic!("registration required");
        };
        assert_eq!(suggestions, ["jane1", "jane2", "jane3"], "jane is taken");
        assert_eq!(
            s.register(OUT, &id, "lead_wrong", "jane1").err(),
            Some(Refusal::InvalidLeadToken)
        );
        assert!(matches!(
            s.register(OUT, &id, &lead_token, "JANE"),
            Err(Refusal::UsernameTaken { .. })
        ));
        assert_eq!(
            s.register(OUT, &id, &lead_token, "Jane1").ok().as_deref(),
            Some("@jane1:beeper.com")
        );
        assert!(s.account("JANE@OTHER.EXAMPLE").is_some(), "now known");
        assert_eq!(
            s.register(OUT, &id, &lead_token, "jane2").err(),
            Some(Refusal::InvalidLeadToken),
            "used once"
        );
    }

    #[test]
    fn finished_requests_make_room_and_open_ones_are_never_dropped() {
        let mut s = SignIn::new(2);
        s.add_account("a@b.c").expect("room");
        s.set_fixed_code("1".into());
        let (first, _) = s.start(OUT).expect("room");
        let (_second, _) = s.start(OUT).expect("room");
        assert_eq!(
            s.start(OUT).err(),
            Some(Refusal::TooManySetupRequests { max: 2 })
        );
        s.send_email(OUT, &first, "a@b.c").expect("sent");
        assert!(s.finish(OUT, &first, "1").is_ok());
        assert!(s.start(OUT).is_ok(), "the finished one made room");
        assert_eq!(s.attempt(&first).err(), Some(Refusal::SetupRequestNotFound));
    }

    #[test]
    fn the_outbox_keeps_the_latest() {
        let mut s = SignIn::new(1);
        let (id, _) = s.start(OUT).expect("room");
        for _ in 0..OUTBOX_SIZE + 5 {
            s.send_email(OUT, &id, "a@b.c").expect("sent");
        }
        assert_eq!(s.outbox().count(), OUTBOX_SIZE);
        let shown = format!("{:?}", s.outbox().last());
        assert!(
            shown.contains("[redacted]")
                && !shown.contains(
                    &s.outbox()
                        .last()
                        .map(|m| m.code.clone())
                        .unwrap_or_default()
                )
        );
    }

    #[test]
    fn signed_in_refuses_every_step() {
        let mut s = sign_in();
        let signed_in = FakeSessionState::Ready;
        let refused = Some(Refusal::AlreadySignedIn { state: signed_in });
        assert_eq!(s.start(signed_in).err(), refused);
        assert_eq!(s.send_email(signed_in, "x", "a@b").err(), refused);
        assert!(matches!(
            s.finish(signed_in, "x", "1"),
            Err(Refusal::AlreadySignedIn { .. })
        ));
        assert_eq!(s.register(signed_in, "x", "l", "u").err(), refused);
    }
}
