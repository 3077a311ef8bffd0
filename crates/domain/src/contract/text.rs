//! Small text helpers for the hot paths that build reasons: decimal digits without `core::fmt`.

/// The decimal form of `n` (with a leading `-` when negative), written into `buf`.
pub(crate) fn i64_digits(n: i64, buf: &mut [u8; 24]) -> &str {
    let mut i = buf.len();
    let mut v = n.unsigned_abs();
    loop {
        i -= 1;
        // `v % 10` is below 10, so the cast cannot truncate.
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    // Only ASCII digits and '-' were written.
    std::str::from_utf8(&buf[i..]).unwrap_or("")
}

/// Appends the decimal form of `n`.
pub(crate) fn push_u32(out: &mut String, n: u32) {
    let mut buf = [0u8; 24];
    out.push_str(i64_digits(i64::from(n), &mut buf));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_match_display() {
        for n in [0, 1, 9, 10, 99, 100, 12_345, -1, -10, i64::MAX, i64::MIN] {
            let mut buf = [0u8; 24];
            assert_eq!(i64_digits(n, &mut buf), n.to_string());
        }
        let mut s = String::new();
        push_u32(&mut s, u32::MAX);
        assert_eq!(s, u32::MAX.to_string());
    }
}
