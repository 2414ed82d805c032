//! Print the start-up banner of the Harbor Notes command-line app.
//! The banner is static: arguments and standard input are ignored.

fn main() {
    println!("+------------------------------------------+");
    println!("|                                          |");
    println!("|   _   _            _                     |");
    println!("|  | | | | __ _ _ __| |__   ___  _ __      |");
    println!("|  | |_| |/ _` | '__| '_ \\ / _ \\| '__|     |");
    println!("|  |  _  | (_| | |  | |_) | (_) | |        |");
    println!("|  |_| |_|\\__,_|_|  |_.__/ \\___/|_|        |");
    println!("|                                          |");
    println!("|          H A R B O R   N O T E S         |");
    println!("|                                          |");
    println!("+------------------------------------------+");
    println!();
    println!("Version 2.4.1 (build 1187)");
    println!("Type 'help' to list commands, 'quit' to leave.");
    println!("Notes are saved in: ~/.harbor/notes");
    println!();
    println!("Tip of the day: press Tab to complete a note title.");
}
