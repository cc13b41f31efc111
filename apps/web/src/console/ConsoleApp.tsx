export function ConsoleApp() {
  return (
    <main>
      <h1>Moderator console</h1>
    </main>
  );
}
