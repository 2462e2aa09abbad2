"""Studies: scripted comparisons behind `npusim study <name>`, each writing
a table, a plot and every run's stats to one output directory."""
