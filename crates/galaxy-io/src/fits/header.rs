//! FITS header cards and typed keyword access.
//!
//! Parses 80-character cards: fixed and free format values, strings with `''` escapes,
//! logicals, integers (also beyond 64 bits, as floats), reals with `E` or `D` exponents,
//! complex values, HIERARCH keywords (named as astropy names them: the words after
//! `HIERARCH`, separated by single spaces), CONTINUE long strings and commentary cards
//! (COMMENT, HISTORY, blank keywords).

use crate::error::{Error, FitsErrorKind, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A typed header value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    /// Character string (trailing blanks removed, leading blanks kept).
    Str(String),
    /// Logical `T` / `F`.
    Bool(bool),
    /// Integer.
    Int(i64),
    /// Real number.
    Float(f64),
    /// Complex number (real, imaginary).
    Complex(f64, f64),
    /// A keyword with an empty value field.
    Undefined,
}

impl Value {
    /// The value as f64 (integers and reals).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }
    /// The value as i64 (integers, and reals with an exact integer value).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Some(*f as i64),
            _ => None,
        }
    }
    /// The value as a string slice.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    /// The value as a logical.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::Bool(_) => "logical",
            Value::Int(_) => "integer",
            Value::Float(_) => "real",
            Value::Complex(..) => "complex",
            Value::Undefined => "undefined",
        }
    }

    /// A JSON rendering (strings, booleans, numbers, `[re, im]` for complex, null).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Str(s) => serde_json::Value::String(s.clone()),
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Complex(r, i) => serde_json::json!([r, i]),
            Value::Undefined => serde_json::Value::Null,
        }
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}
impl From<f32> for Value {
    fn from(v: f32) -> Self {
        Value::Float(v as f64)
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int(v as i64)
    }
}
impl From<usize> for Value {
    fn from(v: usize) -> Self {
        Value::Int(v as i64)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Str(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Str(v)
    }
}

/// One header card (a CONTINUE sequence is folded into the card that starts it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Card {
    /// Keyword: upper-case standard keyword, or the HIERARCH words separated by spaces.
    pub key: String,
    /// The value; for commentary cards (COMMENT, HISTORY, blank) the text as `Value::Str`.
    pub value: Value,
    /// The comment after `/` (empty if none).
    pub comment: String,
}

impl Card {
    /// A value card.
    pub fn new(
        key: impl Into<String>,
        value: impl Into<Value>,
        comment: impl Into<String>,
    ) -> Self {
        Card {
            key: key.into(),
            value: value.into(),
            comment: comment.into(),
        }
    }
    /// A COMMENT card.
    pub fn comment(text: impl Into<String>) -> Self {
        Card {
            key: "COMMENT".into(),
            value: Value::Str(text.into()),
            comment: String::new(),
        }
    }
    /// A HISTORY card.
    pub fn history(text: impl Into<String>) -> Self {
        Card {
            key: "HISTORY".into(),
            value: Value::Str(text.into()),
            comment: String::new(),
        }
    }
    /// True for COMMENT, HISTORY and blank-keyword cards.
    pub fn is_commentary(&self) -> bool {
        is_commentary_key(&self.key)
    }
}

fn is_commentary_key(k: &str) -> bool {
    k == "COMMENT" || k == "HISTORY" || k.is_empty()
}

/// A parsed header: ordered cards and an index of the first card of each keyword.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Header {
    cards: Vec<Card>,
    #[serde(skip)]
    index: HashMap<String, usize>,
}

impl Header {
    /// An empty header.
    pub fn new() -> Self {
        Self::default()
    }

    /// Build from cards.
    pub fn from_cards(cards: Vec<Card>) -> Self {
        let mut h = Header {
            cards,
            index: HashMap::new(),
        };
        h.reindex();
        h
    }

    fn reindex(&mut self) {
        self.index.clear();
        for (i, c) in self.cards.iter().enumerate() {
            if !c.is_commentary() {
                self.index.entry(c.key.to_ascii_uppercase()).or_insert(i);
            }
        }
    }

    /// All cards in order (without the END card).
    pub fn cards(&self) -> &[Card] {
        &self.cards
    }

    /// Append a card (or replace the value of an existing non-commentary keyword).
    pub fn set(&mut self, card: Card) {
        if !card.is_commentary()
            && let Some(&i) = self.index.get(&card.key.to_ascii_uppercase())
        {
            self.cards[i] = card;
            return;
        }
        self.cards.push(card);
        self.reindex();
    }

    /// Remove every card of a keyword.
    pub fn remove(&mut self, key: &str) {
        let k = key.to_ascii_uppercase();
        self.cards.retain(|c| c.key.to_ascii_uppercase() != k);
        self.reindex();
    }

    /// The card of a keyword (case-insensitive), if present.
    pub fn card(&self, key: &str) -> Option<&Card> {
        let k = key.to_ascii_uppercase();
        self.index.get(&k).map(|&i| &self.cards[i])
    }

    /// The value of a keyword (case-insensitive), if present.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.card(key).map(|c| &c.value)
    }

    /// True when the keyword is present.
    pub fn contains(&self, key: &str) -> bool {
        self.card(key).is_some()
    }

    /// Texts of all COMMENT cards.
    pub fn comments(&self) -> Vec<&str> {
        self.commentary("COMMENT")
    }

    /// Texts of all HISTORY cards.
    pub fn history(&self) -> Vec<&str> {
        self.commentary("HISTORY")
    }

    fn commentary(&self, key: &str) -> Vec<&str> {
        self.cards
            .iter()
            .filter(|c| c.key == key)
            .filter_map(|c| c.value.as_str())
            .collect()
    }

    fn typed<T>(
        &self,
        key: &str,
        want: &str,
        f: impl Fn(&Value) -> Option<T>,
    ) -> Result<Option<T>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => f(v).map(Some).ok_or_else(|| {
                Error::fits(
                    None,
                    FitsErrorKind::Type,
                    format!(
                        "keyword {key} is {} ({v:?}), expected {want}",
                        v.type_name()
                    ),
                )
            }),
        }
    }

    fn required<T>(&self, key: &str, v: Result<Option<T>>) -> Result<T> {
        v?.ok_or_else(|| {
            Error::fits(
                None,
                FitsErrorKind::NotFound,
                format!("keyword {key} missing"),
            )
        })
    }

    /// Optional real-valued keyword (integers convert); error if present with another type.
    pub fn opt_f64(&self, key: &str) -> Result<Option<f64>> {
        self.typed(key, "a number", Value::as_f64)
    }
    /// Optional integer keyword; error if present with another type.
    pub fn opt_i64(&self, key: &str) -> Result<Option<i64>> {
        self.typed(key, "an integer", Value::as_i64)
    }
    /// Optional string keyword; error if present with another type.
    pub fn opt_str(&self, key: &str) -> Result<Option<&str>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Str(s)) => Ok(Some(s.as_str())),
            Some(v) => Err(Error::fits(
                None,
                FitsErrorKind::Type,
                format!(
                    "keyword {key} is {} ({v:?}), expected a string",
                    v.type_name()
                ),
            )),
        }
    }
    /// Optional logical keyword; error if present with another type.
    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>> {
        self.typed(key, "a logical", Value::as_bool)
    }
    /// Required real-valued keyword.
    pub fn f64(&self, key: &str) -> Result<f64> {
        self.required(key, self.opt_f64(key))
    }
    /// Required integer keyword.
    pub fn i64(&self, key: &str) -> Result<i64> {
        self.required(key, self.opt_i64(key))
    }
    /// Required string keyword.
    pub fn str(&self, key: &str) -> Result<&str> {
        self.required(key, self.opt_str(key))
    }
    /// Required logical keyword.
    pub fn bool(&self, key: &str) -> Result<bool> {
        self.required(key, self.opt_bool(key))
    }

    /// Parse the header starting at `bytes[0]`; returns the header and the number of bytes it
    /// occupies (a multiple of 2880, including the END card and padding).
    pub fn parse(bytes: &[u8]) -> Result<(Header, usize)> {
        let mut raw: Vec<&[u8]> = Vec::new();
        let mut pos = 0usize;
        let mut found_end = false;
        'blocks: while pos + 2880 <= bytes.len() {
            for i in 0..36 {
                let card = &bytes[pos + i * 80..pos + (i + 1) * 80];
                if &card[..8] == b"END     " && card[8..].iter().all(|&b| b == b' ') {
                    found_end = true;
                    pos += 2880;
                    break 'blocks;
                }
                if &card[..3] == b"END" && card[3..].iter().all(|&b| b == b' ') {
                    found_end = true;
                    pos += 2880;
                    break 'blocks;
                }
                raw.push(card);
            }
            pos += 2880;
        }
        if !found_end {
            return Err(Error::fits(
                None,
                FitsErrorKind::Truncated,
                format!(
                    "header has no END card within the {} bytes available",
                    bytes.len()
                ),
            ));
        }
        let mut cards = Vec::with_capacity(raw.len());
        let mut i = 0;
        while i < raw.len() {
            let mut card = parse_card(raw[i])?;
            i += 1;
            // CONTINUE long strings
            if let Value::Str(s) = &mut card.value
                && card.key != "CONTINUE"
                && !is_commentary_key(&card.key)
            {
                while s.ends_with('&') && i < raw.len() && &raw[i][..8] == b"CONTINUE" {
                    let text = String::from_utf8_lossy(&raw[i][8..]).to_string();
                    let (v, c) = parse_value_comment(&text);
                    match v {
                        Value::Str(more) => {
                            s.pop();
                            s.push_str(&more);
                            if !c.is_empty() {
                                if !card.comment.is_empty() {
                                    card.comment.push(' ');
                                }
                                card.comment.push_str(&c);
                            }
                            i += 1;
                        }
                        _ => break,
                    }
                }
            }
            cards.push(card);
        }
        Ok((Header::from_cards(cards), pos))
    }

    /// Serialise the header (with END and padding to 2880 bytes).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(2880);
        for c in &self.cards {
            format_card(c, &mut out)?;
        }
        let mut end = [b' '; 80];
        end[..3].copy_from_slice(b"END");
        out.extend_from_slice(&end);
        while out.len() % 2880 != 0 {
            out.push(b' ');
        }
        Ok(out)
    }
}

fn parse_card(card: &[u8]) -> Result<Card> {
    // FITS cards must be ASCII text; be lenient and map other bytes lossily.
    let text: String = card
        .iter()
        .map(|&b| {
            if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                '?'
            }
        })
        .collect();
    let key8 = text[..8].trim_end().to_string();
    if key8 == "HIERARCH" {
        let rest = &text[8..];
        if let Some(eq) = rest.find('=') {
            let key = rest[..eq].split_whitespace().collect::<Vec<_>>().join(" ");
            let (value, comment) = parse_value_comment(&rest[eq + 1..]);
            return Ok(Card {
                key,
                value,
                comment,
            });
        }
        return Ok(Card {
            key: "HIERARCH".into(),
            value: Value::Str(rest.trim_end().to_string()),
            comment: String::new(),
        });
    }
    if is_commentary_key(&key8) || &text[8..10] != "= " {
        // commentary (or a keyword without value indicator): the rest is text
        let body = text[8..].trim_end().to_string();
        if key8 == "CONTINUE" {
            let (value, comment) = parse_value_comment(&text[8..]);
            return Ok(Card {
                key: key8,
                value,
                comment,
            });
        }
        return Ok(Card {
            key: key8,
            value: Value::Str(body),
            comment: String::new(),
        });
    }
    let (value, comment) = parse_value_comment(&text[10..]);
    Ok(Card {
        key: key8.to_ascii_uppercase(),
        value,
        comment,
    })
}

/// Parse a value field (everything after `= `) into value and comment.
fn parse_value_comment(s: &str) -> (Value, String) {
    let t = s.trim_start();
    if let Some(rest) = t.strip_prefix('\'') {
        // string with '' escapes
        let mut out = String::new();
        let mut chars = rest.char_indices().peekable();
        let mut end = rest.len();
        while let Some((i, ch)) = chars.next() {
            if ch == '\'' {
                if let Some(&(_, '\'')) = chars.peek() {
                    out.push('\'');
                    chars.next();
                } else {
                    end = i + 1;
                    break;
                }
            } else {
                out.push(ch);
            }
        }
        let after = &rest[end.min(rest.len())..];
        let comment = after
            .find('/')
            .map(|p| after[p + 1..].trim().to_string())
            .unwrap_or_default();
        let v = out.trim_end().to_string();
        return (Value::Str(v), comment);
    }
    let (vtext, comment) = match t.find('/') {
        Some(p) => (t[..p].trim(), t[p + 1..].trim().to_string()),
        None => (t.trim(), String::new()),
    };
    (parse_scalar(vtext), comment)
}

fn parse_scalar(v: &str) -> Value {
    if v.is_empty() {
        return Value::Undefined;
    }
    if v == "T" {
        return Value::Bool(true);
    }
    if v == "F" {
        return Value::Bool(false);
    }
    if let Some(inner) = v.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        let parts: Vec<&str> = inner.split(',').collect();
        if parts.len() == 2
            && let (Some(a), Some(b)) = (parse_real(parts[0].trim()), parse_real(parts[1].trim()))
        {
            return Value::Complex(a, b);
        }
    }
    let is_int = {
        let d = v.strip_prefix(['+', '-']).unwrap_or(v);
        !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
    };
    if is_int {
        if let Ok(i) = v.parse::<i64>() {
            return Value::Int(i);
        }
        if let Ok(f) = v.parse::<f64>() {
            return Value::Float(f);
        }
    }
    if let Some(f) = parse_real(v) {
        return Value::Float(f);
    }
    // unparseable: keep as text so nothing is lost
    Value::Str(v.to_string())
}

fn parse_real(v: &str) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let ok = v
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'E' | b'e' | b'D' | b'd'));
    if !ok {
        return None;
    }
    v.replace(['D', 'd'], "E").parse::<f64>().ok()
}

fn format_real(f: f64) -> String {
    if f.is_nan() || f.is_infinite() {
        // FITS has no representation; callers should avoid it. Use a string-free fallback.
        return "0.0".into();
    }
    let s = format!("{f:?}");
    // ensure it reads back as a real with a decimal point or exponent
    let s = if s.contains('.') || s.contains('e') || s.contains('E') {
        s
    } else {
        format!("{s}.0")
    };
    s.replace('e', "E")
}

fn check_ascii(what: &str, s: &str) -> Result<()> {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        Ok(())
    } else {
        Err(Error::fits(
            None,
            FitsErrorKind::Write,
            format!("{what} '{s}' contains non-printable or non-ASCII characters"),
        ))
    }
}

fn push_card(out: &mut Vec<u8>, text: &str) {
    let mut b = text.as_bytes().to_vec();
    b.truncate(80);
    b.resize(80, b' ');
    out.extend_from_slice(&b);
}

/// Append the 80-byte images of a card (several for long strings/commentary).
pub(crate) fn format_card(c: &Card, out: &mut Vec<u8>) -> Result<()> {
    check_ascii("keyword", &c.key)?;
    check_ascii("comment", &c.comment)?;
    if c.is_commentary() {
        let text = c.value.as_str().unwrap_or("");
        check_ascii("commentary text", text)?;
        let chunks: Vec<&str> = if text.is_empty() {
            vec![""]
        } else {
            text.as_bytes()
                .chunks(72)
                .map(|ch| std::str::from_utf8(ch).unwrap_or(""))
                .collect()
        };
        for ch in chunks {
            push_card(out, &format!("{:<8}{}", c.key, ch));
        }
        return Ok(());
    }
    let hierarch = c.key.len() > 8
        || c.key.contains(' ')
        || !c
            .key
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    let prefix = if hierarch {
        format!("HIERARCH {} = ", c.key)
    } else {
        format!("{:<8}= ", c.key)
    };
    let vtext = match &c.value {
        Value::Str(s) => {
            check_ascii("string value", s)?;
            let esc = s.replace('\'', "''");
            let room = 80usize.saturating_sub(prefix.len() + 2);
            if esc.len() <= room {
                let padded = format!("{esc:<8}");
                format!("'{padded}'")
            } else {
                // long string: CONTINUE convention (split away from '' pairs)
                let mut pieces: Vec<String> = Vec::new();
                let mut rest = esc.as_str();
                let mut first = true;
                while !rest.is_empty() {
                    let room = if first { room - 1 } else { 80 - 10 - 3 };
                    first = false;
                    if rest.len() <= room + 1 && pieces.is_empty() && rest.len() <= room {
                        pieces.push(rest.to_string());
                        break;
                    }
                    let mut take = rest.len().min(room);
                    // do not split an escaped quote pair
                    let quotes = rest[..take]
                        .chars()
                        .rev()
                        .take_while(|&ch| ch == '\'')
                        .count();
                    if quotes % 2 == 1 && take < rest.len() {
                        take -= 1;
                    }
                    pieces.push(rest[..take].to_string());
                    rest = &rest[take..];
                }
                let n = pieces.len();
                for (i, p) in pieces.iter().enumerate() {
                    let amp = if i + 1 < n { "&" } else { "" };
                    if i == 0 {
                        push_card(out, &format!("{prefix}'{p}{amp}'"));
                    } else if i + 1 == n && !c.comment.is_empty() {
                        push_card(out, &format!("CONTINUE  '{p}{amp}' / {}", c.comment));
                    } else {
                        push_card(out, &format!("CONTINUE  '{p}{amp}'"));
                    }
                }
                return Ok(());
            }
        }
        Value::Bool(b) => format!("{:>20}", if *b { "T" } else { "F" }),
        Value::Int(i) => format!("{i:>20}"),
        Value::Float(f) => {
            if !f.is_finite() {
                return Err(Error::fits(
                    None,
                    FitsErrorKind::Write,
                    format!("keyword {} has non-finite value {f}", c.key),
                ));
            }
            format!("{:>20}", format_real(*f))
        }
        Value::Complex(a, b) => format!("({}, {})", format_real(*a), format_real(*b)),
        Value::Undefined => String::new(),
    };
    let mut line = format!("{prefix}{vtext}");
    if hierarch && matches!(c.value, Value::Str(_)) {
        // fine
    }
    if line.len() > 80 {
        return Err(Error::fits(
            None,
            FitsErrorKind::Write,
            format!("card for keyword {} does not fit in 80 characters", c.key),
        ));
    }
    if !c.comment.is_empty() && line.len() + 3 < 80 {
        line.push_str(" / ");
        line.push_str(&c.comment);
    }
    push_card(out, &line);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(cards: &[&str]) -> Vec<u8> {
        let mut v = Vec::new();
        for c in cards {
            push_card(&mut v, c);
        }
        push_card(&mut v, "END");
        while v.len() % 2880 != 0 {
            v.push(b' ');
        }
        v
    }

    #[test]
    fn parses_values_hierarch_continue() {
        let b = block(&[
            "SIMPLE  =                    T / conforms",
            "BITPIX  =                  -32",
            "NAXIS   =                    0",
            "EXPTIME =             1.5D+01 / seconds",
            "NAME    = 'O''Brien  '           / quoted",
            "LONG    = 'abc&'",
            "CONTINUE  'def&'",
            "CONTINUE  'ghi' / tail",
            "HIERARCH ESO DET CHIP ID = 'ccd-1' / chip",
            "CPLX    = (1.0, -2.5)",
            "EMPTY   =",
            "COMMENT hello world",
            "HISTORY step 1",
            "BIGINT  = 123456789012345678901234",
        ]);
        let (h, n) = Header::parse(&b).unwrap();
        assert_eq!(n, 2880);
        assert!(h.bool("SIMPLE").unwrap());
        assert_eq!(h.i64("BITPIX").unwrap(), -32);
        assert_eq!(h.f64("EXPTIME").unwrap(), 15.0);
        assert_eq!(h.card("EXPTIME").unwrap().comment, "seconds");
        assert_eq!(h.str("NAME").unwrap(), "O'Brien");
        assert_eq!(h.str("LONG").unwrap(), "abcdefghi");
        assert_eq!(h.card("LONG").unwrap().comment, "tail");
        assert_eq!(h.str("ESO DET CHIP ID").unwrap(), "ccd-1");
        assert_eq!(h.get("CPLX"), Some(&Value::Complex(1.0, -2.5)));
        assert_eq!(h.get("EMPTY"), Some(&Value::Undefined));
        assert_eq!(h.comments(), vec!["hello world"]);
        assert_eq!(h.history(), vec!["step 1"]);
        assert_eq!(h.f64("BIGINT").unwrap(), 1.2345678901234568e23);
        assert!(h.f64("NAME").is_err());
        assert_eq!(
            h.f64("MISSING").unwrap_err().fits_kind(),
            Some(FitsErrorKind::NotFound)
        );
    }

    #[test]
    fn missing_end_is_truncated() {
        let mut v = Vec::new();
        push_card(&mut v, "SIMPLE  =                    T");
        v.resize(2880, b' ');
        let e = Header::parse(&v).unwrap_err();
        assert_eq!(e.fits_kind(), Some(FitsErrorKind::Truncated));
    }

    #[test]
    fn roundtrip_cards() {
        let long = "x".repeat(150) + "'quoted'" + &"y".repeat(40);
        let h = Header::from_cards(vec![
            Card::new("A", 1.25e-7, "small"),
            Card::new("B", -3i64, ""),
            Card::new("C", true, "flag"),
            Card::new("LONGSTR", long.as_str(), "a comment"),
            Card::new("ESO TEL ALT", 45.5, "hierarch"),
            Card::comment("some text"),
            Card::new("Z", 0.1f64, ""),
        ]);
        let bytes = h.to_bytes().unwrap();
        let (g, _) = Header::parse(&bytes).unwrap();
        assert_eq!(g.f64("A").unwrap(), 1.25e-7);
        assert_eq!(g.i64("B").unwrap(), -3);
        assert!(g.bool("C").unwrap());
        assert_eq!(g.str("LONGSTR").unwrap(), long);
        assert_eq!(g.f64("ESO TEL ALT").unwrap(), 45.5);
        assert_eq!(g.f64("Z").unwrap(), 0.1);
        assert_eq!(g.comments(), vec!["some text"]);
    }
}
