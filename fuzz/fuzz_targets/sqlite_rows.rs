//! Fuzzes the host's decoder of the SQLite example's compact rows: any block, any claimed row
//! count and any column count must yield rows or a `RowsError`, never a panic, a hang or an
//! allocation out of proportion to the block.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sqlite_sandboxed::Rows;

fuzz_target!(|input: &[u8]| {
    let Some((header, block)) = input.split_first_chunk::<9>() else {
        return;
    };
    let columns = u32::from(header[0] % 8);
    let mut claimed = [0u8; 8];
    claimed.copy_from_slice(&header[1..]);
    // Small counts reach the honest case; the rest are lies of every size.
    let claimed = u64::from_le_bytes(claimed);
    for rows in [claimed, claimed % 64] {
        if let Ok(decoded) = Rows::decode(columns, rows, block) {
            assert_eq!(decoded.len() as u64, rows);
            assert_eq!(decoded.values().len(), decoded.len() * decoded.columns());
            assert_eq!(decoded.iter().count(), decoded.len());
        }
    }
});
