//! A beneficiary's card code and PIN: what a shop types or scans to take a payment from a
//! beneficiary without a smartphone (the code is printed on the QR card), and the PIN the
//! beneficiary confirms with, with a lock-out after repeated wrong PINs.
//!
//! The code is 16 symbols of Crockford's base32 (`0-9`, `A-Z` without `I L O U`), shown in
//! groups of four: 15 random symbols (75 bits) and a Luhn mod 32 check symbol, which catches
//! every single mistyped symbol and every swap of two neighbours but `0`↔`Z`. Reading is forgiving as
//! Crockford's alphabet means it to be: lower case, spaces and hyphens are accepted, `I`/`L`
//! read as `1` and `O` as `0`.

use std::fmt;

use crate::FieldError;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Symbols of a card code, check symbol included.
pub const CARD_CODE_SYMBOLS: usize = 16;
/// Random bytes a new card code takes (75 of the 80 bits are used).
pub const CARD_CODE_RANDOM_BYTES: usize = 10;
/// Longest text accepted as a card code before it is read (spaces and hyphens included).
pub const CARD_CODE_INPUT_MAX_CHARS: usize = 40;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CardCode(String);

fn value_of(symbol: char) -> Option<u32> {
    let s = match symbol.to_ascii_uppercase() {
        'I' | 'L' => '1',
        'O' => '0',
        c => c,
    };
    ALPHABET.iter().position(|&a| char::from(a) == s).and_then(|p| u32::try_from(p).ok())
}

/// Luhn mod 32 check symbol of `values` (the payload, without the check symbol).
fn check_value(values: &[u32]) -> u32 {
    let mut sum = 0;
    // From the right, every other value (starting with the rightmost payload value) is doubled.
    for (i, v) in values.iter().rev().enumerate() {
        let mut addend = if i % 2 == 0 { v * 2 } else { *v };
        addend = addend / 32 + addend % 32;
        sum += addend;
    }
    (32 - sum % 32) % 32
}

fn symbol(value: u32) -> char {
    char::from(ALPHABET[usize::try_from(value % 32).unwrap_or(0)])
}

impl CardCode {
    /// A new code from random bytes (the caller draws them from the operating system).
    pub fn from_random(bytes: [u8; CARD_CODE_RANDOM_BYTES]) -> CardCode {
        let mut bits: u128 = 0;
        for b in bytes {
            bits = (bits << 8) | u128::from(b);
        }
        let values: Vec<u32> =
            (0..CARD_CODE_SYMBOLS - 1).map(|i| u32::try_from((bits >> (5 * i)) & 31).unwrap_or(0)).collect();
        let mut code: String = values.iter().map(|v| symbol(*v)).collect();
        code.push(symbol(check_value(&values)));
        CardCode(code)
    }

    /// Reads a code as a person types it or a QR scanner gives it.
    pub fn parse(field: &str, raw: &str) -> Result<CardCode, FieldError> {
        if raw.chars().count() > CARD_CODE_INPUT_MAX_CHARS {
            return Err(FieldError::new(field, "too_long", "A card code has 16 letters and digits"));
        }
        let mut values = Vec::with_capacity(CARD_CODE_SYMBOLS);
        for c in raw.chars().filter(|c| !matches!(c, ' ' | '-')) {
            match value_of(c) {
                Some(v) => values.push(v),
                None => {
                    return Err(FieldError::new(
                        field,
                        "invalid_card_code",
                        format!("A card code has only letters and digits; {c:?} is not one of them"),
                    ));
                }
            }
        }
        if values.len() != CARD_CODE_SYMBOLS {
            return Err(FieldError::new(
                field,
                "invalid_card_code",
                format!("A card code has 16 letters and digits (this one has {})", values.len()),
            ));
        }
        let (payload, check) = values.split_at(CARD_CODE_SYMBOLS - 1);
        if check_value(payload) != check[0] {
            return Err(FieldError::new(
                field,
                "card_code_mistyped",
                "This card code has a typing mistake: check it against the card",
            ));
        }
        Ok(CardCode(values.iter().map(|v| symbol(*v)).collect()))
    }

    /// The 16 symbols without separators (what is stored and put in the QR code).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CardCode {
    /// In groups of four: `K7QM-3XR2-9DHA-P0TZ`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.0.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                f.write_str("-")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

/// Digits of a PIN.
pub const PIN_DIGITS_MIN: usize = 4;
pub const PIN_DIGITS_MAX: usize = 6;

/// Checks a new PIN: 4 to 6 digits, not one digit repeated and not a run such as `1234` or
/// `9876` (the first PINs anyone tries).
pub fn new_pin(field: &str, raw: &str) -> Result<String, FieldError> {
    let pin = raw.trim();
    if !(PIN_DIGITS_MIN..=PIN_DIGITS_MAX).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::new(field, "invalid_pin", "A PIN is 4 to 6 digits"));
    }
    let digits: Vec<i16> = pin.bytes().map(|b| i16::from(b - b'0')).collect();
    let steps: Vec<i16> = digits.windows(2).map(|w| w[1] - w[0]).collect();
    if steps.iter().all(|s| *s == 0) || steps.iter().all(|s| *s == 1) || steps.iter().all(|s| *s == -1) {
        return Err(FieldError::new(
            field,
            "weak_pin",
            "Choose a PIN that is not one digit repeated or a run like 1234",
        ));
    }
    Ok(pin.to_string())
}

/// Wrong PINs in a row after which the card is locked for [`PIN_LOCK_S`].
pub const PIN_ATTEMPTS_BEFORE_LOCK: u32 = 3;
/// How long a lock lasts.
pub const PIN_LOCK_S: i64 = 15 * 60;
/// Wrong PINs in a row after which only an officer can unlock the card.
pub const PIN_ATTEMPTS_BEFORE_BLOCK: u32 = 6;

/// The wrong-PIN count of a card and until when it is locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PinGuard {
    pub failures: u32,
    /// Unix seconds; `None` when not locked.
    pub locked_until_s: Option<i64>,
}

/// Why a PIN may not be tried now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinLock {
    /// Try again at this time (Unix seconds).
    LockedUntil(i64),
    /// Too many wrong PINs: an officer must unlock the card.
    Blocked,
}

impl PinGuard {
    /// Whether a PIN may be tried at `now_s`.
    pub fn may_try(&self, now_s: i64) -> Result<(), PinLock> {
        if self.failures >= PIN_ATTEMPTS_BEFORE_BLOCK {
            return Err(PinLock::Blocked);
        }
        match self.locked_until_s {
            Some(until) if now_s < until => Err(PinLock::LockedUntil(until)),
            _ => Ok(()),
        }
    }

    /// After a wrong PIN at `now_s`: the count goes up; every third wrong PIN in a row locks
    /// the card for a while, the sixth blocks it.
    pub fn failed(self, now_s: i64) -> PinGuard {
        let failures = self.failures.saturating_add(1);
        let locked_until_s = if failures.is_multiple_of(PIN_ATTEMPTS_BEFORE_LOCK) {
            Some(now_s.saturating_add(PIN_LOCK_S))
        } else {
            self.locked_until_s
        };
        PinGuard { failures, locked_until_s }
    }

    /// After a right PIN (or an officer's unlock): nothing is held against the card.
    pub fn cleared() -> PinGuard {
        PinGuard::default()
    }

    /// Wrong PINs left before the next lock (for the message the beneficiary sees).
    pub fn attempts_left(&self) -> u32 {
        PIN_ATTEMPTS_BEFORE_LOCK - self.failures % PIN_ATTEMPTS_BEFORE_LOCK
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_code_reads_back_and_is_shown_in_groups() {
        let code = CardCode::from_random([7, 1, 255, 0, 42, 9, 9, 200, 3, 77]);
        assert_eq!(code.as_str().len(), CARD_CODE_SYMBOLS);
        let shown = code.to_string();
        assert_eq!(shown.len(), 19);
        assert_eq!(shown.matches('-').count(), 3);
        assert_eq!(CardCode::parse("card", &shown), Ok(code.clone()));
        assert_eq!(CardCode::parse("card", &shown.to_lowercase().replace('-', " ")), Ok(code));
    }

    #[test]
    fn look_alike_letters_read_as_digits() {
        let code = CardCode::from_random([0; CARD_CODE_RANDOM_BYTES]);
        assert_eq!(code.as_str(), "0000000000000000");
        assert_eq!(CardCode::parse("card", "OOOO-oooo-0000-OOOO"), Ok(code));
        let one = CardCode::from_random([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        let typed = one.to_string().replace('1', "l");
        assert_eq!(CardCode::parse("card", &typed), Ok(one));
    }

    #[test]
    fn bad_codes_are_refused_with_the_reason() {
        let e = CardCode::parse("card_code", "ABCD-EFGH").expect_err("short");
        assert_eq!((e.field.as_str(), e.code), ("card_code", "invalid_card_code"));
        assert!(e.message.contains("has 8"), "{e}");
        assert_eq!(CardCode::parse("card_code", "ABCD-EFGH-JKMN-PQR!").map_err(|e| e.code), Err("invalid_card_code"));
        assert_eq!(CardCode::parse("card_code", "UUUU-UUUU-UUUU-UUUU").map_err(|e| e.code), Err("invalid_card_code"));
        assert_eq!(CardCode::parse("card_code", &"1".repeat(41)).map_err(|e| e.code), Err("too_long"));
    }

    proptest! {
        #[test]
        fn every_single_typo_and_neighbour_swap_is_caught(bytes in any::<[u8; CARD_CODE_RANDOM_BYTES]>(), at in 0usize..CARD_CODE_SYMBOLS, by in 1u32..32) {
            let code = CardCode::from_random(bytes);
            let mut values: Vec<u32> = code.as_str().chars().filter_map(value_of).collect();
            values[at] = (values[at] + by) % 32;
            let typo: String = values.iter().map(|v| symbol(*v)).collect();
            prop_assert_eq!(CardCode::parse("card", &typo).map_err(|e| e.code), Err("card_code_mistyped"));
            let mut swapped: Vec<char> = code.as_str().chars().collect();
            let i = at.min(CARD_CODE_SYMBOLS - 2);
            // Luhn mod 32 misses one swap only: `0` and `Z` (values 0 and 31).
            let pair = [swapped[i], swapped[i + 1]];
            if pair[0] != pair[1] && pair != ['0', 'Z'] && pair != ['Z', '0'] {
                swapped.swap(i, i + 1);
                let swapped: String = swapped.into_iter().collect();
                prop_assert_eq!(CardCode::parse("card", &swapped).map_err(|e| e.code), Err("card_code_mistyped"));
            }
        }
    }

    #[test]
    fn pins_are_four_to_six_digits_and_not_obvious() {
        assert_eq!(new_pin("pin", " 4821 "), Ok("4821".to_string()));
        assert_eq!(new_pin("pin", "902718"), Ok("902718".to_string()));
        for bad in ["", "123", "1234567", "12a4", "٣٣٣٣"] {
            assert_eq!(new_pin("pin", bad).map_err(|e| e.code), Err("invalid_pin"), "{bad}");
        }
        for weak in ["0000", "1234", "98765", "3456", "777777"] {
            assert_eq!(new_pin("pin", weak).map_err(|e| e.code), Err("weak_pin"), "{weak}");
        }
    }

    #[test]
    fn three_wrong_pins_lock_the_card_and_six_block_it() {
        let now = 1_000_000;
        let mut g = PinGuard::default();
        for left in [3, 2, 1] {
            assert_eq!(g.may_try(now), Ok(()));
            assert_eq!(g.attempts_left(), left);
            g = g.failed(now);
        }
        assert_eq!(g.may_try(now), Err(PinLock::LockedUntil(now + PIN_LOCK_S)));
        assert_eq!(g.may_try(now + PIN_LOCK_S - 1), Err(PinLock::LockedUntil(now + PIN_LOCK_S)));
        let later = now + PIN_LOCK_S;
        assert_eq!(g.may_try(later), Ok(()));
        for _ in 0..3 {
            g = g.failed(later);
        }
        assert_eq!(g.may_try(later + 10 * PIN_LOCK_S), Err(PinLock::Blocked));
        assert_eq!(PinGuard::cleared().may_try(later), Ok(()));
    }
}
