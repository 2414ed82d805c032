"""Print the keyboard-shortcut cheat sheet of the `quill` text editor.

The sheet is fixed text; the program reads no arguments and no input.
"""
import sys

if __name__ == "__main__":
    print("QUILL - keyboard shortcuts")
    print("==========================")
    print()
    print("[File]")
    print("  Ctrl+N", "new buffer", sep="        ")
    print("  Ctrl+O", "open file", sep="        ")
    print("  Ctrl+S", "save", sep="        ")
    print("  Ctrl+Shift+S", "save as", sep="  ")
    print()
    print("[Edit]")
    print("  Ctrl+Z", "undo", sep="        ")
    print("  Ctrl+Y", "redo", sep="        ")
    print("  Ctrl+D", "duplicate line", sep="        ")
    print("  Alt+Up/Down", "move line", sep="   ")
    print()
    print("[Search]")
    print("  Ctrl+F", "find", sep="        ")
    print("  Ctrl+H", "replace", sep="        ")
    print("  F3", "next match", sep="            ")
    print()
    print("Press", "Esc", "to close this sheet.", end=" ")
    print("(", "quill --keys", ")", sep="")
