build-san/obj/src/dev/printer_dir.o: src/dev/printer_dir.c \
 include/retour/printer.h
include/retour/printer.h:
