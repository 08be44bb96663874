// One engine test's world lives with the other doubles, where the bench may use it too.
export * from "../../../tools/doubles/world";
