enum color { RED = 1, GREEN = 2, BLUE = 4 };
union value { long l; double d; char bytes[8]; };
struct flags { unsigned a : 3; unsigned b : 5; union { int i; float f; }; };
#define MASK (RED | BLUE)
