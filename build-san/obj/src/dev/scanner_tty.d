build-san/obj/src/dev/scanner_tty.o: src/dev/scanner_tty.c \
 include/retour/scanner.h
include/retour/scanner.h:
