//! Print the keyboard-shortcut cheat sheet of the `quill` text editor.
//! The sheet is fixed text; the program reads no arguments and no input.

/// One section of the sheet: a heading and its (keys, action) rows.
struct Section {
    heading: &'static str,
    rows: &'static [(&'static str, &'static str)],
}

const SECTIONS: [Section; 3] = [
    Section {
        heading: "File",
        rows: &[
            ("Ctrl+N", "new buffer"),
            ("Ctrl+O", "open file"),
            ("Ctrl+S", "save"),
            ("Ctrl+Shift+S", "save as"),
        ],
    },
    Section {
        heading: "Edit",
        rows: &[
            ("Ctrl+Z", "undo"),
            ("Ctrl+Y", "redo"),
            ("Ctrl+D", "duplicate line"),
            ("Alt+Up/Down", "move line"),
        ],
    },
    Section {
        heading: "Search",
        rows: &[("Ctrl+F", "find"), ("Ctrl+H", "replace"), ("F3", "next match")],
    },
];

fn main() {
    println!("QUILL - keyboard shortcuts");
    println!("==========================");
    println!();
    for section in SECTIONS.iter() {
        println!("[{}]", section.heading);
        for (keys, action) in section.rows {
            // Every action starts in column 16.
            println!("  {:<14}{}", keys, action);
        }
        println!();
    }
    println!("Press Esc to close this sheet. (quill --keys)");
}
