"""Print the license notice shipped with the `tidyjson` formatter.

Packagers run `tidyjson-license` to show the terms; it takes no input.
"""

if __name__ == "__main__":
    print("tidyjson 1.3.0")
    print("Copyright (c) 2019-2024 The tidyjson authors")
    print()
    print("MIT License")
    print()
    print("Permission is hereby granted, free of charge, to any person obtaining a copy")
    print("of this software and associated documentation files (the \"Software\"), to deal")
    print("in the Software without restriction, including without limitation the rights")
    print("to use, copy, modify, merge, publish, distribute, sublicense, and/or sell")
    print("copies of the Software, and to permit persons to whom the Software is")
    print("furnished to do so, subject to the following conditions:")
    print()
    print("The above copyright notice and this permission notice shall be included in all")
    print("copies or substantial portions of the Software.")
    print()
    print("THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR")
    print("IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,")
    print("FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE")
    print("AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER")
    print("LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,")
    print("OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE")
    print("SOFTWARE.")
    print()
    print("Third-party notices:", "none", sep="\t")
