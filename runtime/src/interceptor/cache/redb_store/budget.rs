//! What a `RedbStore` may hold: a bound on its total bytes and on one entry's, enforced at
//! every write. Each entry has a record next to it — size, when it was last used, when it
//! stops being of use — and a write that takes the store over its capacity first purges the
//! entries past their use, then the least recently used, until it fits. Reads do not write:
//! they note their keys in memory, and the next write records those uses.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use redb::{ReadableTable, TableDefinition};

/// One record per entry, by the entry's key.
pub(super) const RECORDS: TableDefinition<'_, &str, &[u8]> =
    TableDefinition::new("ferrofit-cache-records");

/// Uses noted by reads since the last write; past this many, the oldest notes are dropped
/// (those entries only look older than they are).
const NOTED_USES: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Record {
    pub(super) size: u64,
    /// Milliseconds since the epoch.
    pub(super) last_used: u64,
    /// Milliseconds since the epoch after which the entry is of no use; `u64::MAX` for never.
    pub(super) useless_after: u64,
}

impl Record {
    pub(super) fn encode(self) -> [u8; 24] {
        let mut out = [0; 24];
        out[..8].copy_from_slice(&self.size.to_le_bytes());
        out[8..16].copy_from_slice(&self.last_used.to_le_bytes());
        out[16..].copy_from_slice(&self.useless_after.to_le_bytes());
        out
    }

    /// A damaged record reads as an entry of unknown size, long unused: evicted first.
    pub(super) fn decode(bytes: &[u8]) -> Self {
        let word = |at: usize| {
            bytes
                .get(at..at + 8)
                .and_then(|b| b.try_into().ok())
                .map_or(0, u64::from_le_bytes)
        };
        Self {
            size: word(0),
            last_used: word(8),
            useless_after: if bytes.len() == 24 { word(16) } else { 0 },
        }
    }
}

/// Milliseconds since the epoch.
pub(super) fn millis(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The bounds of one store handle, and the uses its reads noted.
#[derive(Debug)]
pub(super) struct Budget {
    pub(super) capacity: u64,
    pub(super) max_entry: u64,
    noted: Mutex<HashMap<String, u64>>,
}

impl Budget {
    pub(super) fn new(capacity: u64, max_entry: u64) -> Self {
        Self {
            capacity,
            max_entry,
            noted: Mutex::new(HashMap::new()),
        }
    }

    /// Notes that `key` was read at `now`.
    pub(super) fn note_use(&self, key: &str, now: u64) {
        let mut noted = self.noted.lock().unwrap_or_else(PoisonError::into_inner);
        if noted.len() >= NOTED_USES && !noted.contains_key(key) {
            noted.clear();
        }
        noted.insert(key.to_owned(), now);
    }

    /// Writes the noted uses into `records` (of entries that still exist).
    pub(super) fn record_uses(
        &self,
        records: &mut redb::Table<'_, &str, &[u8]>,
    ) -> Result<(), redb::Error> {
        let noted = std::mem::take(&mut *self.noted.lock().unwrap_or_else(PoisonError::into_inner));
        for (key, used) in noted {
            let Some(record) = records
                .get(key.as_str())?
                .map(|r| Record::decode(r.value()))
            else {
                continue;
            };
            let record = Record {
                last_used: record.last_used.max(used),
                ..record
            };
            records.insert(key.as_str(), record.encode().as_slice())?;
        }
        Ok(())
    }
}

/// The keys to remove so the store holds at most `capacity` bytes: every entry past its use
/// at `now`, then the least recently used (oldest first) until the rest fit.
pub(super) fn to_evict(
    records: &redb::Table<'_, &str, &[u8]>,
    capacity: u64,
    now: u64,
) -> Result<Vec<String>, redb::Error> {
    let mut evict = Vec::new();
    let mut kept = Vec::new();
    let mut total = 0_u64;
    for row in records.iter()? {
        let (key, value) = row?;
        let record = Record::decode(value.value());
        if record.useless_after < now {
            evict.push(key.value().to_owned());
        } else {
            total = total.saturating_add(record.size);
            kept.push((record.last_used, record.size, key.value().to_owned()));
        }
    }
    if total > capacity {
        kept.sort_unstable();
        for (_, size, key) in kept {
            if total <= capacity {
                break;
            }
            total -= size;
            evict.push(key);
        }
    }
    Ok(evict)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_damaged_ones_go_first() {
        let record = Record {
            size: 7,
            last_used: 8,
            useless_after: u64::MAX,
        };
        assert_eq!(Record::decode(&record.encode()), record);
        assert_eq!(
            Record::decode(b"short"),
            Record {
                size: 0,
                last_used: 0,
                useless_after: 0
            }
        );
    }
}
