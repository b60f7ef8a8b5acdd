build-san/obj/src/dev/scale.o: src/dev/scale.c include/retour/scale.h
include/retour/scale.h:
