print("flotilla-bench: under construction")
