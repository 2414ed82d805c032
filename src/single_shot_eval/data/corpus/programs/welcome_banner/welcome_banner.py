"""Print the start-up banner of the Harbor Notes command-line app.

The banner is static: arguments and standard input are ignored.
"""

if __name__ == "__main__":
    print("+------------------------------------------+")
    print("|                                          |")
    print("|   _   _            _                     |")
    print("|  | | | | __ _ _ __| |__   ___  _ __      |")
    print("|  | |_| |/ _` | '__| '_ \\ / _ \\| '__|     |")
    print("|  |  _  | (_| | |  | |_) | (_) | |        |")
    print("|  |_| |_|\\__,_|_|  |_.__/ \\___/|_|        |")
    print("|                                          |")
    print("|          H A R B O R   N O T E S         |")
    print("|                                          |")
    print("+------------------------------------------+")
    print()
    print("Version 2.4.1 (build 1187)")
    print("Type 'help' to list commands, 'quit' to leave.")
    print("Notes are saved in", "~/.harbor/notes", sep=": ")
    print()
    print("Tip of the day:", "press Tab to complete a note title.")
