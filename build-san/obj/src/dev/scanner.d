build-san/obj/src/dev/scanner.o: src/dev/scanner.c \
 include/retour/scanner.h
include/retour/scanner.h:
