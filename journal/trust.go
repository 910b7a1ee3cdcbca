package journal

import (
	"fmt"
	"os"
	"syscall"
)

// trustJournal says why a journal must not be read: undo writes what a
// journal says, so a journal that others may have written is not lifeboat's
// record of its own writes. lifeboat creates journals mode 0600, owned by
// the user who ran it; one writable by group or others, or owned by
// another user (root reading a user's journal aside), is refused, with the
// command that fixes it if it is yours.
func trustJournal(path string, f *os.File) error {
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("journal %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return &UsageError{Err: fmt.Errorf("journal %s is not a regular file", path)}
	}
	if perm := info.Mode().Perm(); perm&0o022 != 0 {
		return &UsageError{Err: fmt.Errorf("journal %s is writable by %s (mode %04o): anyone could have changed what undo would write; lifeboat writes journals 0600: if it is yours and unchanged, 'chmod 600 %s'", path, whoMayWrite(perm), perm, path)}
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if me := os.Geteuid(); me != 0 && int(st.Uid) != me {
		return &UsageError{Err: fmt.Errorf("journal %s belongs to user %d, not to you (%d): undo only what you wrote, or ask its owner", path, st.Uid, me)}
	}
	return nil
}

func whoMayWrite(perm os.FileMode) string {
	switch {
	case perm&0o002 != 0:
		return "everyone"
	default:
		return "its group"
	}
}
