//! `KeyringTokenStore`: tokens kept in the operating system's credential store.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::tokens::{TokenStore, Tokens};
use crate::error::{Error, Result};

/// A [`TokenStore`] in the OS credential store, through the `keyring` crate: the kernel's
/// keyutils on Linux (works headless; the tokens live in kernel memory, in the session and the
/// user's persistent keyring), the Keychain on macOS and iOS, the Credential Manager on
/// Windows. Tokens never touch a plain file or a log.
///
/// Reads are served from memory after the first; every change is written through. A failed
/// write keeps the tokens in memory for this process and logs a warning (without them).
///
/// On Linux the process needs a session keyring: login sessions have one; for a service or a
/// test, run it under `keyctl session - <command>`.
///
/// # Examples
///
/// ```no_run
/// use ferrofit::auth::{AuthInterceptor, KeyringTokenStore, Tokens};
///
/// let store = KeyringTokenStore::new("com.example.app", "alice@example.com")?;
/// let auth = AuthInterceptor::new(store, |tokens: Tokens| async move { Ok(tokens) });
/// # let _ = auth;
/// # Ok::<(), ferrofit::Error>(())
/// ```
pub struct KeyringTokenStore {
    entry: keyring::Entry,
    /// `None` until read from the keyring.
    cached: Mutex<Option<Option<Arc<Tokens>>>>,
}

/// What is written to the keyring.
#[derive(Serialize, Deserialize)]
struct Stored {
    access: String,
    refresh: Option<String>,
    expires_at_secs: Option<u64>,
    subject: Option<String>,
}

impl KeyringTokenStore {
    /// The tokens of `account` for the application `service`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the platform has no usable credential store.
    pub fn new(service: &str, account: &str) -> Result<Self> {
        let entry = keyring::Entry::new(service, account)
            .map_err(|e| Error::config(format!("the OS keyring is not available: {e}")))?;
        Ok(Self {
            entry,
            cached: Mutex::new(None),
        })
    }

    fn load(&self) -> Option<Arc<Tokens>> {
        let secret = match self.entry.get_password() {
            Ok(secret) => secret,
            Err(keyring::Error::NoEntry) => return None,
            Err(error) => {
                tracing::warn!(error = %error, "ferrofit: the OS keyring could not be read");
                return None;
            }
        };
        let stored: Stored = serde_json::from_str(&secret).ok()?;
        let mut tokens = Tokens::new(stored.access);
        if let Some(refresh) = stored.refresh {
            tokens = tokens.with_refresh(refresh);
        }
        if let Some(secs) = stored.expires_at_secs {
            tokens = tokens.expiring_at(UNIX_EPOCH + Duration::from_secs(secs));
        }
        if let Some(subject) = stored.subject {
            tokens = tokens.with_subject(subject);
        }
        Some(Arc::new(tokens))
    }

    fn write(&self, tokens: &Tokens) {
        let stored = Stored {
            access: tokens.access_token().to_owned(),
            refresh: tokens.refresh_token().map(str::to_owned),
            expires_at_secs: tokens
                .expires_at()
                .and_then(|at| at.duration_since(UNIX_EPOCH).ok())
                .map(|d| d.as_secs()),
            subject: tokens.subject().map(str::to_owned),
        };
        let written = serde_json::to_string(&stored)
            .map_err(|e| e.to_string())
            .and_then(|json| self.entry.set_password(&json).map_err(|e| e.to_string()));
        if let Err(error) = written {
            tracing::warn!(error = %error, "ferrofit: the OS keyring could not store the tokens; they are kept in memory");
        }
    }

    fn erase(&self) {
        match self.entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => {}
            Err(error) => {
                tracing::warn!(error = %error, "ferrofit: the OS keyring could not delete the tokens");
            }
        }
    }

    /// Runs `change` on the current tokens (read from the keyring the first time).
    fn with_tokens<T>(&self, change: impl FnOnce(&mut Option<Arc<Tokens>>) -> T) -> T {
        let mut cached = self.cached.lock().unwrap_or_else(PoisonError::into_inner);
        let tokens = cached.get_or_insert_with(|| self.load());
        change(tokens)
    }
}

impl TokenStore for KeyringTokenStore {
    fn get(&self) -> Option<Arc<Tokens>> {
        self.with_tokens(|tokens| tokens.clone())
    }

    fn set(&self, tokens: Tokens) {
        self.with_tokens(|held| {
            self.write(&tokens);
            *held = Some(Arc::new(tokens));
        });
    }

    fn clear(&self) {
        self.with_tokens(|held| {
            self.erase();
            *held = None;
        });
    }

    fn compare_and_set(&self, current: &Tokens, new: Tokens) -> bool {
        self.with_tokens(|held| {
            if held.as_deref() != Some(current) {
                return false;
            }
            self.write(&new);
            *held = Some(Arc::new(new));
            true
        })
    }

    fn compare_and_clear(&self, current: &Tokens) -> bool {
        self.with_tokens(|held| {
            if held.as_deref() != Some(current) {
                return false;
            }
            self.erase();
            *held = None;
            true
        })
    }
}

impl fmt::Debug for KeyringTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyringTokenStore").finish_non_exhaustive()
    }
}
