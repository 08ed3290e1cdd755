print("flotilla: under construction")
