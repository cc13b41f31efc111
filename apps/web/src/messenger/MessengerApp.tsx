export function MessengerApp() {
  return (
    <main>
      <h1>Safelight</h1>
    </main>
  );
}
