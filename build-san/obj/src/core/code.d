build-san/obj/src/core/code.o: src/core/code.c include/retour/code.h
include/retour/code.h:
