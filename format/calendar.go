package format

// DaysIn returns the number of days in month (1–12) of year in the
// proleptic Gregorian calendar. The decoders validate timestamps with it
// without going through time.Parse on their hot paths.
func DaysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
