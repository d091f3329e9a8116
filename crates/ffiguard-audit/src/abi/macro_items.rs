//! `extern` blocks written inside a macro call (`link! { unsafe extern "C" { .. } }`, as
//! clang-sys and openvino-sys do to choose between linking at build time and loading the
//! library at run time): the macro's body is read as items when it parses as items and
//! declares foreign functions, so the declarations are cross-checked like inline ones.

/// Most macro calls nested in one another that are opened (`link! { mod m { link! { .. } } }`).
const MAX_NESTING: u32 = 4;

/// `file` with each item-position macro call whose body is items holding an `extern` block
/// replaced by those items; `None` when it has no such call.
pub(crate) fn expand(file: &syn::File) -> Option<syn::File> {
    if !file.items.iter().any(opens) {
        return None;
    }
    let mut out = file.clone();
    out.items = expand_items(&file.items, 0);
    Some(out)
}

/// Whether `item` is a macro call that may hold items: not `macro_rules!` (a definition, whose
/// `$name` fragments are not Rust) nor `include!` (another file, read as such).
fn opens(item: &syn::Item) -> bool {
    let syn::Item::Macro(m) = item else {
        return false;
    };
    m.ident.is_none()
        && !m.mac.path.is_ident("include")
        && !m.mac.path.is_ident("macro_rules")
        && m.mac.tokens.to_string().contains("extern")
}

fn expand_items(items: &[syn::Item], nesting: u32) -> Vec<syn::Item> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if nesting < MAX_NESTING
            && opens(item)
            && let syn::Item::Macro(m) = item
            && let Ok(body) = m.mac.parse_body::<syn::File>()
            && body.items.iter().any(declares_foreign)
        {
            out.extend(expand_items(&body.items, nesting + 1));
            continue;
        }
        out.push(item.clone());
    }
    out
}

fn declares_foreign(item: &syn::Item) -> bool {
    match item {
        syn::Item::ForeignMod(_) => true,
        syn::Item::Macro(_) => opens(item),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn foreign_fns(src: &str) -> Vec<String> {
        let file = syn::parse_file(src).expect("parses");
        let file = expand(&file).unwrap_or(file);
        let model = crate::model::extract("src/lib.rs", &file);
        model.foreign_fns.into_iter().map(|f| f.name).collect()
    }

    #[test]
    fn extern_blocks_inside_a_link_macro_are_read() {
        let src = "macro_rules! link { ($($t:tt)*) => { $($t)* } }\n\
                   link! {\n\
                       unsafe extern \"C\" { pub fn ov_free(p: *const u8); }\n\
                       extern \"C\" { pub fn ov_get_last_err_msg() -> *const u8; }\n\
                   }";
        assert_eq!(foreign_fns(src), ["ov_free", "ov_get_last_err_msg"]);
    }

    #[test]
    fn macro_definitions_and_bodies_that_are_not_items_are_left_alone() {
        let src = "macro_rules! m { () => { extern \"C\" { pub fn $name(); } } }\n\
                   thread_local! { static X: u8 = 0; }\n\
                   bitflags! { extern flags; }";
        assert!(foreign_fns(src).is_empty());
    }
}
