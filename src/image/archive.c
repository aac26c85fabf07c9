/* archive.c: (in progress) */
