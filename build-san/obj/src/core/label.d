build-san/obj/src/core/label.o: src/core/label.c include/retour/label.h
include/retour/label.h:
