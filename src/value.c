/* value.c - a session call's value, init to supervisor (value.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chan.h"
#include "util.h"
#include "value.h"

int
sr_value_send(int chan, const char *value, const char *png)
{
	struct sr_msg_value m;
	int fd, rc;

	if (value == NULL && png == NULL)
		return 0;
	memset(&m, 0, sizeof(m));
	if (value != NULL) {
		m.len = strlen(value);
		if (m.len > SR_VALUE_MAX)
			m.len = SR_VALUE_MAX;
		m.present |= SR_VALUE_HAS_TEXT;
	}
	if (png != NULL && strlen(png) <= SR_VALUE_PNG_MAX) {
		m.png_len = strlen(png);
		m.present |= SR_VALUE_HAS_PNG;
	}
	fd = memfd_create("sandrun-value", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -1;
	if ((m.len > 0 && sr_write_all(fd, value, m.len) < 0) ||
	    (m.png_len > 0 && sr_write_all(fd, png, m.png_len) < 0) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK |
	    F_SEAL_GROW | F_SEAL_WRITE) < 0) {
		close(fd);
		return -1;
	}
	rc = sr_chan_send(chan, SR_MSG_VALUE, &m, sizeof(m), &fd, 1);
	close(fd);
	return rc;
}

static char *
take(int fd, uint64_t off, uint64_t len)
{
	char *s = sr_xcalloc(1, len + 1);

	if (len > 0 && pread(fd, s, len, (off_t)off) != (ssize_t)len) {
		free(s);
		return NULL;
	}
	/* text: no NUL inside */
	if (strlen(s) != len) {
		free(s);
		return NULL;
	}
	return s;
}

int
sr_value_take(int fd, const struct sr_msg_value *m, char **value,
    char **png)
{
	struct stat sb;
	int seals;

	*value = *png = NULL;
	if (m->len > SR_VALUE_MAX || m->png_len > SR_VALUE_PNG_MAX ||
	    fstat(fd, &sb) < 0 || (uint64_t)sb.st_size != m->len + m->png_len)
		return -1;
	/* sealed: what is read is what was checked */
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_WRITE) || !(seals & F_SEAL_SHRINK))
		return -1;
	if ((m->present & SR_VALUE_HAS_TEXT) &&
	    (*value = take(fd, 0, m->len)) == NULL)
		return -1;
	if ((m->present & SR_VALUE_HAS_PNG) &&
	    (*png = take(fd, m->len, m->png_len)) == NULL) {
		free(*value);
		*value = NULL;
		return -1;
	}
	return 0;
}
