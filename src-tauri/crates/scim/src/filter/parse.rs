//! A recursive-descent parser for the filter grammar, with positions in its errors.

use super::{AttrPath, CompValue, CompareOp, Filter};

/// A filter that does not parse: what was expected, and where (a character offset).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at character {position})")]
pub struct FilterError {
    pub message: String,
    pub position: usize,
}

fn err<T>(position: usize, message: impl Into<String>) -> Result<T, FilterError> {
    Err(FilterError {
        message: message.into(),
        position,
    })
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    LBracket,
    RBracket,
    Word(String),
    Str(String),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    pos: usize,
}

fn lex(input: &str) -> Result<Vec<Token>, FilterError> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = input.char_indices().collect();
    let mut i = 0;
    // Positions are character offsets, which is what a person counts in an input box.
    while i < chars.len() {
        let (_, c) = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' | ')' | '[' | ']' => {
                let tok = match c {
                    '(' => Tok::LParen,
                    ')' => Tok::RParen,
                    '[' => Tok::LBracket,
                    _ => Tok::RBracket,
                };
                out.push(Token { tok, pos: i });
                i += 1;
            }
            '"' => {
                let start = i;
                let mut j = i + 1;
                let mut escaped = false;
                loop {
                    let Some(&(_, d)) = chars.get(j) else {
                        return err(start, "this quoted value has no closing quote");
                    };
                    if escaped {
                        escaped = false;
                    } else if d == '\\' {
                        escaped = true;
                    } else if d == '"' {
                        break;
                    }
                    j += 1;
                }
                let byte_start = chars[start].0;
                let byte_end = chars[j].0 + 1;
                let raw = &input[byte_start..byte_end];
                let s: String = serde_json::from_str(raw).map_err(|e| FilterError {
                    message: format!("this quoted value is not valid: {e}"),
                    position: start,
                })?;
                out.push(Token {
                    tok: Tok::Str(s),
                    pos: start,
                });
                i = j + 1;
            }
            _ => {
                let start = i;
                let mut word = String::new();
                while let Some(&(_, d)) = chars.get(i) {
                    if d.is_whitespace() || matches!(d, '(' | ')' | '[' | ']' | '"') {
                        break;
                    }
                    word.push(d);
                    i += 1;
                }
                out.push(Token {
                    tok: Tok::Word(word),
                    pos: start,
                });
            }
        }
    }
    Ok(out)
}

/// The deepest nesting of parentheses and brackets a filter may have, and the most
/// conditions: beyond them a filter is refused instead of exhausting the stack later.
const MAX_DEPTH: usize = 64;
const MAX_CONDITIONS: usize = 1_000;

struct Parser {
    toks: Vec<Token>,
    i: usize,
    end: usize,
    depth: usize,
    conditions: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|t| &t.tok)
    }

    fn peek_at(&self, k: usize) -> Option<&Tok> {
        self.toks.get(self.i + k).map(|t| &t.tok)
    }

    fn pos(&self) -> usize {
        self.toks.get(self.i).map_or(self.end, |t| t.pos)
    }

    fn peek_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn expect(&mut self, tok: Tok, what: &str) -> Result<(), FilterError> {
        if self.peek() == Some(&tok) {
            self.i += 1;
            Ok(())
        } else {
            err(self.pos(), format!("expected {what}"))
        }
    }

    fn or(&mut self, in_value_path: bool) -> Result<Filter, FilterError> {
        let mut left = self.and(in_value_path)?;
        while self.peek_keyword("or") {
            self.i += 1;
            let right = self.and(in_value_path)?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self, in_value_path: bool) -> Result<Filter, FilterError> {
        let mut left = self.unary(in_value_path)?;
        while self.peek_keyword("and") {
            self.i += 1;
            let right = self.unary(in_value_path)?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self, in_value_path: bool) -> Result<Filter, FilterError> {
        if self.depth >= MAX_DEPTH {
            return err(
                self.pos(),
                format!("the filter is nested more than {MAX_DEPTH} levels deep"),
            );
        }
        self.depth += 1;
        let f = self.unary_inner(in_value_path);
        self.depth -= 1;
        let f = f?;
        if !matches!(f, Filter::Not(_)) && !matches!(f, Filter::And(..) | Filter::Or(..)) {
            self.conditions += 1;
            if self.conditions > MAX_CONDITIONS {
                return err(
                    self.pos(),
                    format!("the filter has more than {MAX_CONDITIONS} conditions"),
                );
            }
        }
        Ok(f)
    }

    fn unary_inner(&mut self, in_value_path: bool) -> Result<Filter, FilterError> {
        if self.peek_keyword("not") && self.peek_at(1) == Some(&Tok::LParen) {
            self.i += 2;
            let inner = self.or(in_value_path)?;
            self.expect(Tok::RParen, "a closing parenthesis \")\"")?;
            return Ok(Filter::Not(Box::new(inner)));
        }
        if self.peek() == Some(&Tok::LParen) {
            self.i += 1;
            let inner = self.or(in_value_path)?;
            self.expect(Tok::RParen, "a closing parenthesis \")\"")?;
            return Ok(inner);
        }
        let pos = self.pos();
        let path = match self.peek() {
            Some(Tok::Word(w)) => {
                let w = w.clone();
                self.i += 1;
                parse_attr_path(&w, pos)?
            }
            None => return err(pos, "the filter ends where an attribute was expected"),
            Some(_) => return err(pos, "expected an attribute name"),
        };
        if self.peek() == Some(&Tok::LBracket) {
            if in_value_path {
                return err(self.pos(), "a [ ] filter cannot contain another [ ] filter");
            }
            if path.sub.is_some() {
                return err(
                    pos,
                    "a [ ] filter applies to an attribute, not a sub-attribute",
                );
            }
            self.i += 1;
            let inner = self.or(true)?;
            self.expect(Tok::RBracket, "a closing bracket \"]\"")?;
            return Ok(Filter::ValuePath {
                path,
                filter: Box::new(inner),
            });
        }
        let op_pos = self.pos();
        let op_word = match self.peek() {
            Some(Tok::Word(w)) => w.clone(),
            _ => {
                return err(
                    op_pos,
                    "expected an operator after the attribute (eq, ne, co, sw, ew, gt, ge, lt, le or pr)",
                )
            }
        };
        self.i += 1;
        if op_word.eq_ignore_ascii_case("pr") {
            return Ok(Filter::Present(path));
        }
        let Some(op) = CompareOp::parse(&op_word) else {
            return err(
                op_pos,
                format!(
                    "\"{op_word}\" is not an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr)"
                ),
            );
        };
        let value_pos = self.pos();
        let value = match self.peek().cloned() {
            Some(Tok::Str(s)) => CompValue::String(s),
            Some(Tok::Word(w)) => {
                if w.eq_ignore_ascii_case("true") {
                    CompValue::Bool(true)
                } else if w.eq_ignore_ascii_case("false") {
                    CompValue::Bool(false)
                } else if w.eq_ignore_ascii_case("null") {
                    CompValue::Null
                } else if let Ok(n) = serde_json::from_str::<serde_json::Number>(&w) {
                    CompValue::Number(n)
                } else {
                    return err(
                        value_pos,
                        format!("\"{w}\" is not a value: put text in double quotes"),
                    );
                }
            }
            _ => return err(value_pos, "expected a value after the operator"),
        };
        self.i += 1;
        Ok(Filter::Compare { path, op, value })
    }
}

fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '$' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Parses `[urn:]name[.sub]` found at character `pos`.
pub(crate) fn parse_attr_path(word: &str, pos: usize) -> Result<AttrPath, FilterError> {
    let (urn, rest) = match word.rfind(':') {
        Some(i) => {
            let urn = &word[..i];
            if !urn.to_ascii_lowercase().starts_with("urn:") {
                return err(pos, format!("\"{word}\" is not an attribute name"));
            }
            (Some(urn.to_string()), &word[i + 1..])
        }
        None => (None, word),
    };
    let (name, sub) = match rest.split_once('.') {
        Some((n, s)) => (n, Some(s)),
        None => (rest, None),
    };
    if !valid_name(name) || sub.is_some_and(|s| !valid_name(s)) {
        return err(pos, format!("\"{word}\" is not an attribute name"));
    }
    Ok(AttrPath {
        urn,
        name: name.to_string(),
        sub: sub.map(str::to_string),
    })
}

/// Parses a filter.
pub fn parse(input: &str) -> Result<Filter, FilterError> {
    let toks = lex(input)?;
    if toks.is_empty() {
        return err(0, "the filter is empty");
    }
    let end = input.chars().count();
    let mut p = Parser {
        toks,
        i: 0,
        end,
        depth: 0,
        conditions: 0,
    };
    let f = p.or(false)?;
    if p.i < p.toks.len() {
        let what = match p.peek() {
            Some(Tok::RParen) => "there is a \")\" without a matching \"(\"".to_string(),
            Some(Tok::RBracket) => "there is a \"]\" without a matching \"[\"".to_string(),
            _ => "expected \"and\", \"or\" or the end of the filter".to_string(),
        };
        return err(p.pos(), what);
    }
    Ok(f)
}
