# placeholder; completions are being written
