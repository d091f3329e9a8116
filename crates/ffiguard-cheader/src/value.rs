//! Values of constant macros: integer literals, optionally negated, parenthesized or
//! suffixed (`0x020301`, `(-1)`, `64u`, `1UL`). Anything else is not a constant we model.

/// The value of a macro body given as tokens, or `None` when it is not a plain integer.
///
/// ```
/// # use ffiguard_cheader::parse_macro_value;
/// let toks = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
/// assert_eq!(parse_macro_value(&toks("( - 5 )")), Some(-5));
/// assert_eq!(parse_macro_value(&toks("0x10u")), Some(16));
/// assert_eq!(parse_macro_value(&toks("FOO + 1")), None);
/// ```
pub fn parse_macro_value(tokens: &[String]) -> Option<i128> {
    let mut toks: Vec<&str> = tokens.iter().map(String::as_str).collect();
    while toks.first() == Some(&"(") && toks.last() == Some(&")") && toks.len() >= 2 {
        toks = toks[1..toks.len() - 1].to_vec();
    }
    match toks.as_slice() {
        [lit] => parse_int_literal(lit),
        ["-", lit] => parse_int_literal(lit).map(|v| -v),
        ["+", lit] => parse_int_literal(lit),
        ["-", "(", lit, ")"] => parse_int_literal(lit).map(|v| -v),
        _ => None,
    }
}

/// A C integer literal with optional `u`/`l`/`ll` suffixes, in any base C allows.
fn parse_int_literal(lit: &str) -> Option<i128> {
    let body = lit.trim_end_matches(['u', 'U', 'l', 'L']);
    let body = body.replace('\'', "");
    let (digits, radix) =
        if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (hex.to_owned(), 16)
        } else if let Some(bin) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
            (bin.to_owned(), 2)
        } else if body.len() > 1 && body.starts_with('0') {
            (body[1..].to_owned(), 8)
        } else {
            (body.clone(), 10)
        };
    if digits.is_empty() {
        return None;
    }
    i128::from_str_radix(&digits, radix).ok()
}

#[cfg(test)]
mod tests {
    use super::parse_int_literal;

    #[test]
    fn literals_in_every_base() {
        assert_eq!(parse_int_literal("0"), Some(0));
        assert_eq!(parse_int_literal("017"), Some(15));
        assert_eq!(parse_int_literal("0xFFFFFFFFul"), Some(0xFFFF_FFFF));
        assert_eq!(parse_int_literal("0b101"), Some(5));
        assert_eq!(parse_int_literal("1.5"), None);
        assert_eq!(parse_int_literal("0x"), None);
        assert_eq!(parse_int_literal("\"s\""), None);
    }
}
