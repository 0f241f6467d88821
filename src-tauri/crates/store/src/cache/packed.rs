//! How a record's JSON is kept in the `raw` column of `resource_records` (one row per resource,
//! with the resource's rowid; see [`record_of`]): compressed with zstd against a dictionary
//! of SCIM's own words (schema URNs, attribute names, the usual types), so that the database,
//! its write-ahead log and everything the at-rest encryption has to encrypt are about a third
//! of the size (issue 21's ingest cost; issue 19's ingest time).
//!
//! A packed value is a BLOB: one format byte, then a zstd frame. Rows written by earlier
//! versions held the JSON as TEXT; the migration `packed_records` packs them, and reading still
//! accepts TEXT. The dictionary and the format byte are part of the file format: a new
//! dictionary needs a new format byte, never a change to this one.

use std::cell::RefCell;
use std::sync::OnceLock;

use rusqlite::types::ValueRef;
use zstd::bulk::{Compressor, Decompressor};
use zstd::dict::{DecoderDictionary, EncoderDictionary};

/// SQL for the packed record of the resource row aliased `alias` (its `raw`). Records live
/// in a table of their own, so that scanning resource rows reads only their columns; a scalar
/// subquery in a SELECT list is evaluated only for the rows returned, after any OFFSET.
pub(crate) fn record_of(alias: &str) -> String {
    format!("(SELECT raw FROM resource_records WHERE rowid = {alias}.rowid)")
}

/// The first byte of a packed record: zstd with [`DICTIONARY`], version 1.
const ZSTD_DICTIONARY_1: u8 = 1;

/// zstd's level: a fast (negative) level. Measured on 100,000 sample users (issue 19): level 1
/// packed them in 0.62 s into a 127 MB encrypted file, level -1 in 0.37 s (133 MB), level -4
/// in 0.31 s (133 MB). Any level reads back with the same dictionary, so rows packed at another
/// level stay readable; [`super::history`] compares records, not their packed bytes.
const LEVEL: i32 = -4;

/// SCIM's vocabulary as a raw-content dictionary (RFC 7643's User and Group with the enterprise
/// extension, values empty). Never edit: packed rows in people's files were written with it.
const DICTIONARY: &[u8] = include_bytes!("record_dictionary.json");

fn encoder() -> &'static EncoderDictionary<'static> {
    static D: OnceLock<EncoderDictionary<'static>> = OnceLock::new();
    D.get_or_init(|| EncoderDictionary::copy(DICTIONARY, LEVEL))
}

fn decoder() -> &'static DecoderDictionary<'static> {
    static D: OnceLock<DecoderDictionary<'static>> = OnceLock::new();
    D.get_or_init(|| DecoderDictionary::copy(DICTIONARY))
}

thread_local! {
    static PACKER: RefCell<Option<Compressor<'static>>> = const { RefCell::new(None) };
    static UNPACKER: RefCell<Option<Decompressor<'static>>> = const { RefCell::new(None) };
}

/// A record's JSON as the `raw` column keeps it. Fails only when zstd cannot get memory.
pub(crate) fn pack(json: &[u8]) -> std::io::Result<Vec<u8>> {
    PACKER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let packer = match slot.as_mut() {
            Some(p) => p,
            None => slot.insert(Compressor::with_prepared_dictionary(encoder())?),
        };
        let bound = zstd::zstd_safe::compress_bound(json.len());
        let mut frame = Vec::with_capacity(bound);
        packer.compress_to_buffer(json, &mut frame)?;
        let mut out = Vec::with_capacity(1 + frame.len());
        out.push(ZSTD_DICTIONARY_1);
        out.extend_from_slice(&frame);
        Ok(out)
    })
}

/// Why a stored record could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    #[error("a stored record has an unknown format ({0}); it was written by a newer SCIM Desk")]
    UnknownFormat(u8),
    #[error("a stored record is damaged: {0}")]
    Damaged(String),
    #[error("a stored record is not text")]
    NotText,
}

/// The JSON text of a `raw` value: packed (BLOB) or written by an earlier version (TEXT).
pub(crate) fn unpack(value: ValueRef<'_>) -> Result<String, UnpackError> {
    match value {
        ValueRef::Text(t) => String::from_utf8(t.to_vec()).map_err(|_| UnpackError::NotText),
        ValueRef::Blob(b) => unpack_bytes(b),
        _ => Err(UnpackError::NotText),
    }
}

fn unpack_bytes(b: &[u8]) -> Result<String, UnpackError> {
    let (&format, frame) = b
        .split_first()
        .ok_or_else(|| UnpackError::Damaged("empty".into()))?;
    if format != ZSTD_DICTIONARY_1 {
        return Err(UnpackError::UnknownFormat(format));
    }
    let size = zstd::zstd_safe::get_frame_content_size(frame)
        .ok()
        .flatten()
        .ok_or_else(|| UnpackError::Damaged("no content size".into()))?;
    let bytes = UNPACKER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let unpacker = match slot.as_mut() {
            Some(u) => u,
            None => slot.insert(
                Decompressor::with_prepared_dictionary(decoder())
                    .map_err(|e| UnpackError::Damaged(e.to_string()))?,
            ),
        };
        unpacker
            .decompress(frame, size as usize)
            .map_err(|e| UnpackError::Damaged(e.to_string()))
    })?;
    String::from_utf8(bytes).map_err(|_| UnpackError::NotText)
}

/// A `raw` column read back as JSON text: `row.get::<_, RecordJson>(i)`.
pub(crate) struct RecordJson(pub String);

impl rusqlite::types::FromSql for RecordJson {
    fn column_result(value: ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        unpack(value)
            .map(RecordJson)
            .map_err(|e| rusqlite::types::FromSqlError::Other(Box::new(e)))
    }
}

impl RecordJson {
    /// The record as JSON (null when the stored text is not JSON, as before packing).
    pub(crate) fn value(&self) -> serde_json::Value {
        serde_json::from_str(&self.0).unwrap_or(serde_json::Value::Null)
    }
}

/// `scim_pack(text)` and `scim_unpack(raw)` for SQL: the migration that packs rows written
/// by earlier versions, and filters that read inside the JSON (`json_each(scim_unpack(...))`, see [`record_of`]).
pub(crate) fn register(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("scim_pack", 1, flags, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Text(t) => {
                let fail = |e: Box<dyn std::error::Error + Send + Sync>| {
                    rusqlite::Error::UserFunctionError(e)
                };
                std::str::from_utf8(t).map_err(|e| fail(Box::new(e)))?;
                Some(pack(t).map_err(|e| fail(Box::new(e)))?)
            }
            ValueRef::Blob(b) => Some(b.to_vec()),
            _ => None,
        })
    })?;
    conn.create_scalar_function("scim_unpack", 1, flags, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Null => None,
            v => Some(unpack(v).map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))?),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_comes_back_as_it_went_in() {
        let json = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"7","userName":"zoë.o'brien@example.com","name":{"givenName":"Zoë"},"x":"\u0000"}"#;
        let packed = pack(json.as_bytes()).unwrap();
        assert_eq!(packed[0], ZSTD_DICTIONARY_1);
        assert_eq!(unpack(ValueRef::Blob(&packed)).unwrap(), json);
        assert_eq!(unpack(ValueRef::Text(json.as_bytes())).unwrap(), json);
        assert_eq!(unpack(ValueRef::Blob(&pack(b"").unwrap())).unwrap(), "");
    }

    #[test]
    fn a_scim_user_packs_to_well_under_half() {
        let user = desk_reference::sample::many_users(3, 1)
            .next()
            .unwrap()
            .to_string();
        let packed = pack(user.as_bytes()).unwrap();
        assert!(
            packed.len() * 2 < user.len(),
            "{} -> {} bytes",
            user.len(),
            packed.len()
        );
        // The same input packs to the same bytes (history compares packed values).
        assert_eq!(pack(user.as_bytes()).unwrap(), packed);
    }

    #[test]
    fn damaged_and_unknown_values_are_errors_not_garbage() {
        let mut packed = pack(br#"{"id":"1"}"#).unwrap();
        packed[0] = 9;
        assert!(matches!(
            unpack(ValueRef::Blob(&packed)),
            Err(UnpackError::UnknownFormat(9))
        ));
        assert!(matches!(
            unpack(ValueRef::Blob(&[ZSTD_DICTIONARY_1, 1, 2, 3])),
            Err(UnpackError::Damaged(_))
        ));
        assert!(matches!(
            unpack(ValueRef::Blob(&[])),
            Err(UnpackError::Damaged(_))
        ));
    }
}
