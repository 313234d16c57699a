//! The Lua scripts that make each step of the fleet's refresh atomic in Redis, and what
//! their replies mean.
//!
//! A session is a hash `{g: generation, s: session id, d: sealed tokens}`; its lease is a
//! string `<fence>:<owner>` with a time to live; its fence is a counter that only grows.
//! Every reply is a list of strings, the first saying what happened.

use std::sync::LazyLock;

use redis::Script;

use super::record::Record;

/// Takes the lease to refresh generation `ARGV[1]`, unless the session moved past it, a
/// live lease is held, or two holders already took it at this generation and vanished
/// without an answer (the record's `t` counts leases taken and not ended by a commit or a
/// failure): the first may have had the refresh token rotated, the second was the one
/// fenced retry, and the token is not presented a third time.
/// KEYS: record, lease, fence. ARGV: expected generation, owner, lease time in ms.
pub(super) static ACQUIRE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local r = redis.call('HMGET', KEYS[1], 'g', 's', 'd')
if r[1] == false then
  if tonumber(ARGV[1]) ~= 0 then return {'missing'} end
elseif tonumber(r[1]) ~= tonumber(ARGV[1]) then
  return {'moved', r[1], r[2] or '', r[3] or ''}
end
local ttl = redis.call('PTTL', KEYS[2])
if ttl > 0 then
  local holder = redis.call('GET', KEYS[2])
  if string.sub(holder, 1, 7) == 'failed:' then return {'failed', tostring(ttl)} end
  return {'held', tostring(ttl)}
end
if r[1] ~= false then
  if tonumber(redis.call('HGET', KEYS[1], 't') or '0') >= 2 then return {'exhausted'} end
  redis.call('HINCRBY', KEYS[1], 't', 1)
end
local lease = tostring(redis.call('INCR', KEYS[3])) .. ':' .. ARGV[2]
redis.call('SET', KEYS[2], lease, 'PX', ARGV[3])
return {'lead', lease}
",
    )
});

/// Extends the lease if it is still `ARGV[1]`. KEYS: lease. ARGV: lease, lease time in ms.
pub(super) static RENEW: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
",
    )
});

/// Marks a failed refresh: the lease, if still `ARGV[1]`, becomes `failed:<lease>` for
/// `ARGV[2]` ms, in which no other process tries; the attempt ended with an answer, so it
/// is not counted as vanished. KEYS: lease, record. ARGV: lease, pause in ms.
pub(super) static FAILED: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], 'failed:' .. ARGV[1], 'PX', ARGV[2])
  if tonumber(redis.call('HGET', KEYS[2], 't') or '0') > 0 then
    redis.call('HINCRBY', KEYS[2], 't', -1)
  end
end
return 1
",
    )
});

/// Writes the next generation if no other process holds the lease (it is still `ARGV[1]`,
/// or it ran out and nobody took it) and the session is still `ARGV[3]` at generation
/// `ARGV[2]`: the fenced commit of a refresh, so a holder whose lease went to a successor
/// never wins. KEYS: record, lease. ARGV: lease, expected generation, session id, sealed
/// tokens, channel.
pub(super) static COMMIT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local r = redis.call('HMGET', KEYS[1], 'g', 's', 'd')
local held = redis.call('GET', KEYS[2])
if held ~= false and held ~= ARGV[1] then
  return {'moved', r[1] or '', r[2] or '', r[3] or ''}
end
if held then redis.call('DEL', KEYS[2]) end
if tonumber(r[1] or '0') ~= tonumber(ARGV[2]) or r[2] ~= ARGV[3] then
  return {'moved', r[1] or '', r[2] or '', r[3] or ''}
end
local g = tostring(tonumber(ARGV[2]) + 1)
redis.call('HSET', KEYS[1], 'g', g, 's', ARGV[3], 'd', ARGV[4], 't', '0')
redis.call('PUBLISH', ARGV[5], g .. '\n' .. ARGV[3] .. '\n' .. ARGV[4])
return {'ok', g}
",
    )
});

/// Writes the next generation if the session is still at generation `ARGV[1]` (`0`: no
/// session yet) and, unless `ARGV[5]` is empty, still the session `ARGV[5]` (a count that
/// started again after Redis lost its data can reach the same generation in another
/// session). KEYS: record. ARGV: expected generation, session id, sealed tokens, channel,
/// expected session id.
pub(super) static WRITE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local r = redis.call('HMGET', KEYS[1], 'g', 's', 'd')
if r[1] == false then
  if tonumber(ARGV[1]) ~= 0 then return {'missing'} end
elseif tonumber(r[1]) ~= tonumber(ARGV[1]) or (ARGV[5] ~= '' and r[2] ~= ARGV[5]) then
  return {'moved', r[1], r[2] or '', r[3] or ''}
end
local g = tostring(tonumber(ARGV[1]) + 1)
redis.call('HSET', KEYS[1], 'g', g, 's', ARGV[2], 'd', ARGV[3], 't', '0')
redis.call('PUBLISH', ARGV[4], g .. '\n' .. ARGV[2] .. '\n' .. ARGV[3])
return {'ok', g}
",
    )
});

/// Writes generation `ARGV[1]` back after Redis lost its data: over a missing key, or over
/// an older generation of the same session (another process wrote back what it knew first,
/// and this one refreshed since) — never over another session (a sign-in since). KEYS: record. ARGV: generation, session id, sealed tokens, channel.
pub(super) static RESTORE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local r = redis.call('HMGET', KEYS[1], 'g', 's', 'd')
if r[1] ~= false and (tonumber(r[1]) >= tonumber(ARGV[1]) or r[2] ~= ARGV[2]) then
  return {'moved', r[1], r[2] or '', r[3] or ''}
end
redis.call('HSET', KEYS[1], 'g', ARGV[1], 's', ARGV[2], 'd', ARGV[3], 't', '0')
redis.call('PUBLISH', ARGV[4], ARGV[1] .. '\n' .. ARGV[2] .. '\n' .. ARGV[3])
return {'ok', ARGV[1]}
",
    )
});

/// A script's reply, read.
pub(super) enum Reply {
    /// Done; the session is at this generation now.
    Ok(u64),
    /// The lease is this process's: `<fence>:<owner>`.
    Lead(String),
    /// Another process holds the lease for this many more milliseconds.
    Held(u64),
    /// Another process's refresh failed moments ago; nobody tries for a moment.
    Failed,
    /// Two holders vanished mid-refresh at this generation: the token is not tried again.
    Exhausted,
    /// The session is not where this process thought: here is where it is, sealed.
    Moved(Sealed),
    /// The session's key is gone although this process knows a generation of it: Redis lost
    /// its data (a sign-out leaves a tombstone, never a missing key).
    Missing,
}

/// A record as Redis holds it, not opened yet.
pub(super) struct Sealed {
    pub(super) generation: u64,
    pub(super) session: String,
    pub(super) data: Vec<u8>,
}

impl Sealed {
    /// Parses `<generation>\n<session>\n<data>` (a pub/sub message).
    pub(super) fn from_message(message: &[u8]) -> Option<Self> {
        let mut parts = message.splitn(3, |b| *b == b'\n');
        let generation = std::str::from_utf8(parts.next()?).ok()?.parse().ok()?;
        let session = String::from_utf8(parts.next()?.to_vec()).ok()?;
        let data = parts.next()?.to_vec();
        Some(Self {
            generation,
            session,
            data,
        })
    }

    pub(super) fn open(self, sealer: &super::record::Sealer) -> Option<Record> {
        match sealer.open(self.generation, &self.session, &self.data) {
            Ok(tokens) => Some(Record {
                generation: self.generation,
                session: self.session,
                tokens,
            }),
            Err(unreadable) => {
                tracing::warn!(
                    generation = self.generation,
                    "a token record in Redis cannot be read ({}); it is ignored",
                    unreadable.0
                );
                None
            }
        }
    }
}

impl Reply {
    pub(super) fn parse(parts: Vec<Vec<u8>>) -> Option<Self> {
        let text = |i: usize| {
            parts
                .get(i)
                .and_then(|p| std::str::from_utf8(p).ok())
                .map(str::to_owned)
        };
        match parts.first().map(Vec::as_slice)? {
            b"ok" => text(1)?.parse().ok().map(Self::Ok),
            b"lead" => text(1).map(Self::Lead),
            b"held" => text(1)?.parse().ok().map(Self::Held),
            b"failed" => Some(Self::Failed),
            b"exhausted" => Some(Self::Exhausted),
            b"missing" => Some(Self::Missing),
            b"moved" => {
                let generation = text(1)?;
                if generation.is_empty() {
                    return Some(Self::Missing);
                }
                Some(Self::Moved(Sealed {
                    generation: generation.parse().ok()?,
                    session: text(2)?,
                    data: parts.get(3)?.clone(),
                }))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(items: &[&[u8]]) -> Vec<Vec<u8>> {
        items.iter().map(|p| p.to_vec()).collect()
    }

    #[test]
    fn replies_read_as_what_the_scripts_mean_and_anything_else_is_none() {
        assert!(matches!(
            Reply::parse(parts(&[b"ok", b"7"])),
            Some(Reply::Ok(7))
        ));
        assert!(
            matches!(Reply::parse(parts(&[b"lead", b"3:abc"])), Some(Reply::Lead(l)) if l == "3:abc")
        );
        assert!(matches!(
            Reply::parse(parts(&[b"held", b"1500"])),
            Some(Reply::Held(1500))
        ));
        assert!(matches!(
            Reply::parse(parts(&[b"failed", b"900"])),
            Some(Reply::Failed)
        ));
        assert!(matches!(
            Reply::parse(parts(&[b"missing"])),
            Some(Reply::Missing)
        ));
        // A `moved` reply for a key that is gone is a missing key.
        assert!(matches!(
            Reply::parse(parts(&[b"moved", b"", b"", b""])),
            Some(Reply::Missing)
        ));
        let Some(Reply::Moved(sealed)) = Reply::parse(parts(&[b"moved", b"4", b"s1", b"p1{}"]))
        else {
            panic!("moved");
        };
        assert_eq!((sealed.generation, sealed.session.as_str()), (4, "s1"));
        for nonsense in [
            parts(&[]),
            parts(&[b"ok", b"x"]),
            parts(&[b"held"]),
            parts(&[b"moved", b"x", b"s", b"d"]),
            parts(&[b"what"]),
        ] {
            assert!(Reply::parse(nonsense).is_none());
        }
    }

    #[test]
    fn a_message_is_generation_session_and_data_which_may_hold_newlines() {
        let sealed = Sealed::from_message(b"12\nsess\nx1\n\nbinary").unwrap();
        assert_eq!(sealed.generation, 12);
        assert_eq!(sealed.session, "sess");
        assert_eq!(sealed.data, b"x1\n\nbinary");
        assert!(Sealed::from_message(b"12\nsess").is_none());
        assert!(Sealed::from_message(b"twelve\ns\nd").is_none());
    }
}
