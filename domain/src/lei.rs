//! Legal entity identifiers (ISO 17442), as MiCA's S.2 asks for.

/// Why a string is not an LEI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidLei {
    #[error("an LEI has 20 characters, this has {0}")]
    Length(usize),
    #[error("an LEI is 18 upper-case letters or digits then 2 check digits")]
    Characters,
    #[error("the check digits do not match (ISO 17442 / ISO 7064 mod 97-10)")]
    CheckDigits,
}

/// Checks the shape and the check digits of an LEI. Whether it is issued
/// (the GLEIF register) cannot be checked offline.
pub fn validate_lei(lei: &str) -> Result<(), InvalidLei> {
    let n = lei.chars().count();
    if n != 20 {
        return Err(InvalidLei::Length(n));
    }
    let b = lei.as_bytes();
    let body_ok = b[..18]
        .iter()
        .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
    if !body_ok || !b[18..].iter().all(u8::is_ascii_digit) {
        return Err(InvalidLei::Characters);
    }
    // Letters count as 10..35; the whole number mod 97 must be 1. Folded
    // digit by digit, since it has up to 40 digits.
    let mut rem: u32 = 0;
    for c in b {
        let v = u32::from(*c);
        let v = if c.is_ascii_digit() {
            v - u32::from(b'0')
        } else {
            v - u32::from(b'A') + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    if rem == 1 {
        Ok(())
    } else {
        Err(InvalidLei::CheckDigits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_leis_pass_and_a_changed_digit_fails() {
        // LEIs printed on published MiCA disclosures and white papers.
        for lei in [
            "529900T8BM49AURSDO55",
            "743700PZG5RRF7SA4Q58",
            "39120077M9TG0O1FE242",
        ] {
            assert_eq!(validate_lei(lei), Ok(()), "{lei}");
        }
        assert_eq!(
            validate_lei("529900T8BM49AURSDO56"),
            Err(InvalidLei::CheckDigits)
        );
        assert_eq!(
            validate_lei("529900T8BM49AURSDO5"),
            Err(InvalidLei::Length(19))
        );
        assert_eq!(
            validate_lei("529900t8bm49aursdo55"),
            Err(InvalidLei::Characters)
        );
    }
}
